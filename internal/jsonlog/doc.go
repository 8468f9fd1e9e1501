// Package jsonlog keeps a container's output in docker's json-file log
// format, and reads it back: for `berth logs`, with --tail, --since,
// --until and --follow. The process that runs a container (or its
// monitor, for a detached one) writes the log with a Writer; any process
// reads it with Read, while it is being written.
//
// # Format
//
// A log file holds one JSON object per line, byte for byte as docker's
// json-file driver writes them, so tools that read docker's logs read
// these too:
//
//	{"log":"listening on :80\n","stream":"stdout","time":"2026-11-22T13:14:43.123456789Z"}
//
// "log" is a line of output with its "\n" (JSON-escaped as docker escapes
// it: <, > and & as \u003c…, bytes that are not UTF-8 as \ufffd);
// "stream" is "stdout" or "stderr"; "time" is when the line was complete,
// RFC 3339 with nanoseconds, in UTC.
//
// # Vocabulary
//
//   - Entry: one line of a log file. Usually one line of output; see
//     pieces.
//   - Stream: one source of output, stdout or stderr. Writer.Stream gives
//     the io.Writer a source is copied into; it splits what it gets into
//     lines, keeping an unfinished line until its "\n" arrives.
//   - Piece: a line longer than 16 KiB is stored as several entries, as
//     docker stores it; all but the last lack the "\n". Unlike docker, a
//     piece ends before a UTF-8 character that would straddle the cut, so
//     characters survive the split. A last line cut off when its stream is
//     closed is stored without "\n" too. Read passes pieces on as they are
//     stored; concatenating a stream's entries gives back its output.
//   - Rotation: with a max-size, a file that an entry would make larger
//     than max-size is renamed path.1 (path.1 becomes path.2, and so on;
//     the file beyond max-file is removed) and a new path is started:
//     docker's names. Readers tell files apart by inode, so a file keeps
//     its identity as it moves from name to name.
//
// # Writing and reading
//
// A Writer is safe for concurrent use; each Write of a stream appends its
// complete lines with one write(2) (per MiB), so a pipe copied with
// io.Copy costs one system call per read from the pipe, and a chatty
// container's output is written at hundreds of MB/s. Exactly one Writer
// writes a log at a time: nothing locks the file against a second writer.
//
// Read needs nothing from the Writer: it works from the files alone, so
// the writer may be another process. Following, it polls (every 5 to
// 50 ms, sooner while the log is busy) and notices rotation by the inode
// of path changing; it finds the file that came after the one it read
// even when several rotations happened meanwhile, and loses entries only
// when files were removed before it got to them (more than max-file − 1
// rotations behind). The done channel tells it that no more will be
// written (the container exited), so it returns after the last entry
// instead of waiting.
//
// Damaged lines (an entry cut off by a crash, or a line that is not JSON)
// are skipped when reading, where docker fails. A Writer opening a file
// whose last entry was cut off starts on a new line, so the damage stays
// in one line.
//
// # Differences from docker
//
// The files are docker's; these behaviours around them differ, on
// purpose:
//
//   - Sizes in max-size are powers of 1024 ("10m" is 10 MiB); docker's
//     json-file driver parses them in powers of 1000. max-file above 1
//     without max-size is an error; docker ignores it.
//   - Files never exceed max-size (unless one entry is larger); docker
//     rotates once a file has reached it, so its files exceed it by up to
//     one entry.
//   - path never disappears during a rotation: the current file is
//     hard-linked as path.1 before a new file replaces path in one rename.
//     (Where hard links are not supported, it is renamed, as docker does.)
//   - Long lines are split at 16 KiB as docker splits them, except that a
//     UTF-8 character straddling the cut moves to the next piece instead
//     of being broken in two.
//   - Damaged lines are skipped when reading; docker fails.
//
// # Not done
//
// Compressed rotation (docker's compress option), extra attributes
// (labels, env, tag) and reading docker's .gz rotated files are not
// supported; ParseOptions rejects those options.
package jsonlog
