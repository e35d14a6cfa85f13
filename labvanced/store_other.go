//go:build !linux

package labvanced

import "os"

// startWriteback is a no-op where sync_file_range does not exist; the
// fsync in InstanceDirStore.Put makes the file durable.
func startWriteback(*os.File, int64, int64) {}
