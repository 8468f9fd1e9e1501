package container

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
)

// ErrInvalidName is returned (wrapped) by [ValidName] for a name that is
// not a valid container name.
var ErrInvalidName = errors.New("invalid container name")

// validNameChars is the character rule quoted in [ValidName]'s error, as
// Docker words it.
const validNameChars = `[a-zA-Z0-9][a-zA-Z0-9_.-]`

// ValidName returns nil if name can be used as a container name. The rule
// is Docker's, ^/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$: an optional leading slash
// (the form Docker stores names in), then an ASCII letter or digit, then at
// least one more letter, digit, '_', '.' or '-'. A single-character name is
// therefore invalid, as it is in Docker.
//
// The error wraps [ErrInvalidName] and reads like Docker's, starting with
// ErrInvalidName's text:
//
//	invalid container name (x!), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed
func ValidName(name string) error {
	rest := name
	if len(rest) > 0 && rest[0] == '/' {
		rest = rest[1:]
	}
	valid := len(rest) >= 2 && isAlphanumeric(rest[0])
	for i := 1; valid && i < len(rest); i++ {
		c := rest[i]
		valid = isAlphanumeric(c) || c == '_' || c == '.' || c == '-'
	}
	if !valid {
		return fmt.Errorf("%w (%s), only %s are allowed", ErrInvalidName, name, validNameChars)
	}
	return nil
}

func isAlphanumeric(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// GenerateName returns a random container name the way Docker makes one:
// "adjective_surname", for example "focused_turing", drawn from Docker's
// own word lists. "boring_wozniak" is never returned (Steve Wozniak is not
// boring). When retry is greater than zero a random digit 0-9 is appended,
// "focused_turing3", which is how Docker varies a name after a collision;
// callers check uniqueness themselves and call again with retry+1.
//
// Every generated name satisfies [ValidName]. The generator is math/rand/v2's
// global source: names are not secrets and need not be unpredictable.
func GenerateName(retry int) string {
	for {
		name := nameAdjectives[rand.IntN(len(nameAdjectives))] + "_" +
			nameSurnames[rand.IntN(len(nameSurnames))]
		if name == "boring_wozniak" { // Steve Wozniak is not boring.
			continue
		}
		if retry > 0 {
			name += strconv.Itoa(rand.IntN(10))
		}
		return name
	}
}

// The two word lists below are Docker's, copied from the Moby project's names
// generator (github.com/moby/moby, internal/namesgenerator/names-generator.go,
// formerly pkg/namesgenerator), which is licensed under the Apache License,
// Version 2.0 (Moby's NOTICE: "Docker, Copyright 2012-2017 Docker, Inc.";
// the lists are the work of the Moby project's contributors). Moby has
// frozen the lists; they are kept identical here, in the same order, so that
// berth's names look exactly like Docker's. Moby's source carries a short
// biography with a link for each surname; they are left out here.

// nameAdjectives is the left-hand side of a generated name.
var nameAdjectives = [...]string{
	"admiring", "adoring", "affectionate", "agitated", "amazing", "angry", "awesome",
	"beautiful", "blissful", "bold", "boring", "brave", "busy",
	"charming", "clever", "compassionate", "competent", "condescending", "confident", "cool",
	"cranky", "crazy",
	"dazzling", "determined", "distracted", "dreamy",
	"eager", "ecstatic", "elastic", "elated", "elegant", "eloquent", "epic", "exciting",
	"fervent", "festive", "flamboyant", "focused", "friendly", "frosty", "funny",
	"gallant", "gifted", "goofy", "gracious", "great",
	"happy", "hardcore", "heuristic", "hopeful", "hungry",
	"infallible", "inspiring", "intelligent", "interesting",
	"jolly", "jovial",
	"keen", "kind",
	"laughing", "loving", "lucid",
	"magical", "modest", "musing", "mystifying",
	"naughty", "nervous", "nice", "nifty", "nostalgic",
	"objective", "optimistic",
	"peaceful", "pedantic", "pensive", "practical", "priceless",
	"quirky", "quizzical",
	"recursing", "relaxed", "reverent", "romantic",
	"sad", "serene", "sharp", "silly", "sleepy", "stoic", "strange", "stupefied", "suspicious",
	"sweet",
	"tender", "thirsty", "trusting",
	"unruffled", "upbeat",
	"vibrant", "vigilant", "vigorous",
	"wizardly", "wonderful",
	"xenodochial",
	"youthful",
	"zealous", "zen",
}

// nameSurnames is the right-hand side of a generated name: notable scientists
// and hackers. Docker began drawing names from them in its 0.7 release.
var nameSurnames = [...]string{
	"agnesi", "albattani", "allen", "almeida", "antonelli", "archimedes", "ardinghelli",
	"aryabhata", "austin",
	"babbage", "banach", "banzai", "bardeen", "bartik", "bassi", "beaver", "bell", "benz", "bhabha",
	"bhaskara", "black", "blackburn", "blackwell", "bohr", "booth", "borg", "bose", "bouman",
	"boyd", "brahmagupta", "brattain", "brown", "buck", "burnell",
	"cannon", "carson", "cartwright", "carver", "cerf", "chandrasekhar", "chaplygin", "chatelet",
	"chatterjee", "chaum", "chebyshev", "clarke", "cohen", "colden", "cori", "cray", "curie",
	"curran",
	"darwin", "davinci", "dewdney", "dhawan", "diffie", "dijkstra", "dirac", "driscoll", "dubinsky",
	"easley", "edison", "einstein", "elbakyan", "elgamal", "elion", "ellis", "engelbart", "euclid",
	"euler",
	"faraday", "feistel", "fermat", "fermi", "feynman", "franklin",
	"gagarin", "galileo", "galois", "ganguly", "gates", "gauss", "germain", "goldberg", "goldstine",
	"goldwasser", "golick", "goodall", "gould", "greider", "grothendieck",
	"haibt", "hamilton", "haslett", "hawking", "heisenberg", "hellman", "hermann", "herschel",
	"hertz", "heyrovsky", "hodgkin", "hofstadter", "hoover", "hopper", "hugle", "hypatia",
	"ishizaka",
	"jackson", "jang", "jemison", "jennings", "jepsen", "johnson", "joliot", "jones",
	"kalam", "kapitsa", "kare", "keldysh", "keller", "kepler", "khayyam", "khorana", "kilby",
	"kirch", "knuth", "kowalevski",
	"lalande", "lamarr", "lamport", "leakey", "leavitt", "lederberg", "lehmann", "lewin",
	"lichterman", "liskov", "lovelace", "lumiere",
	"mahavira", "margulis", "matsumoto", "maxwell", "mayer", "mccarthy", "mcclintock", "mclaren",
	"mclean", "mcnulty", "meitner", "mendel", "mendeleev", "meninsky", "merkle", "mestorf",
	"mirzakhani", "montalcini", "moore", "morse", "moser", "murdock",
	"napier", "nash", "neumann", "newton", "nightingale", "nobel", "noether", "northcutt", "noyce",
	"panini", "pare", "pascal", "pasteur", "payne", "perlman", "pike", "poincare", "poitras",
	"proskuriakova", "ptolemy",
	"raman", "ramanujan", "rhodes", "ride", "ritchie", "robinson", "roentgen", "rosalind", "rubin",
	"saha", "sammet", "sanderson", "satoshi", "shamir", "shannon", "shaw", "shirley", "shockley",
	"shtern", "sinoussi", "snyder", "solomon", "spence", "stonebraker", "sutherland", "swanson",
	"swartz", "swirles",
	"taussig", "tesla", "tharp", "thompson", "torvalds", "tu", "turing",
	"varahamihira", "vaughan", "villani", "visvesvaraya", "volhard",
	"wescoff", "wilbur", "wiles", "williams", "williamson", "wilson", "wing", "wozniak", "wright",
	"wu",
	"yalow", "yonath",
	"zhukovsky",
}
