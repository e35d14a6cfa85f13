package labvanced

import (
	"os"
	"syscall"
)

// startWriteback asks the kernel to start writing the range out now
// (sync_file_range with SYNC_FILE_RANGE_WRITE, which does not wait). It is
// only a hint: the fsync in InstanceDirStore.Put is what makes the file durable.
func startWriteback(f *os.File, off, n int64) {
	_ = syscall.SyncFileRange(int(f.Fd()), off, n, 0x2 /* SYNC_FILE_RANGE_WRITE */)
}
