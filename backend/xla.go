//go:build ((linux && (amd64 || arm64)) || (darwin && arm64) || (windows && amd64)) && !noxla

package backend

import "github.com/gomlx/go-xla/compute/xla"

// The XLA package reads GOMLX_NO_AUTO_INSTALL in its own init, before ours
// can set it, so switch the installer off directly.
func init() { noAutoInstall = func() { xla.EnableAutoInstall(false) } }
