// Package container runs images as isolated processes, in-process, with no
// daemon and no helper binary.
package container
