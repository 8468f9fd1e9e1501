package capability_test

import (
	"fmt"

	"github.com/berth-dev/berth/internal/capability"
)

// docker run --cap-drop ALL --cap-add net_bind_service --cap-add NET_ADMIN
func ExampleResolve() {
	caps, err := capability.Resolve(false, []string{"net_bind_service", "NET_ADMIN"}, []string{"ALL"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(caps)
	// Output: [CAP_NET_ADMIN CAP_NET_BIND_SERVICE]
}
