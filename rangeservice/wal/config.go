package wal

import (
	"errors"
	"fmt"
)

// Defaults filled in by Config.validate.
const (
	DefaultSegmentSize   = 64 << 20
	DefaultMaxBatchBytes = 16 << 20
	DefaultMaxGroupBytes = 4 << 20
	DefaultCacheBytes    = 16 << 20

	// minSegmentSize keeps tests honest: a segment must at least hold its
	// header and a small record.
	minSegmentSize = 128
)

// Config configures Open. The zero value of every field but Dir means
// "default".
type Config struct {
	// Dir holds the segment files. It is created if missing. Nothing else
	// may write into it.
	Dir string

	// FS is the filesystem. Default: OSFS (the real disk). Tests pass a
	// *MemFS to inject faults and crashes.
	FS FS

	// SegmentSize is the size at which the committer starts a new segment
	// file. A segment may grow past it by at most one write group (a single
	// batch larger than SegmentSize gets a segment of its own). Default
	// 64 MiB.
	SegmentSize int64

	// MaxBatchBytes bounds one Batch's encoded size; larger batches are
	// refused with ErrInvalid. Default 16 MiB, at most maxFrameLen.
	MaxBatchBytes int

	// MaxGroupBytes bounds how many bytes of queued batches the committer
	// gathers into one write (one group commit). Default 4 MiB.
	MaxGroupBytes int

	// CacheBytes bounds the payload bytes of recently written entries kept
	// in memory for reads. Default 16 MiB; negative disables the cache.
	CacheBytes int64

	// Repair makes Open truncate a segment at a corrupt record instead of
	// failing with *CorruptionError. Acknowledged entries after that point
	// are lost; ranges whose log then has a hole keep only the entries
	// after the hole (their low-water mark moves up), so the consensus
	// layer must catch them up with a snapshot.
	Repair bool
}

func (c *Config) validate() error {
	if c.Dir == "" {
		return errors.New("wal: Config.Dir is empty")
	}
	if c.FS == nil {
		c.FS = OSFS{}
	}
	if c.SegmentSize == 0 {
		c.SegmentSize = DefaultSegmentSize
	}
	if c.SegmentSize < minSegmentSize {
		return fmt.Errorf("wal: Config.SegmentSize %d below minimum %d", c.SegmentSize, minSegmentSize)
	}
	if c.MaxBatchBytes == 0 {
		c.MaxBatchBytes = DefaultMaxBatchBytes
	}
	if c.MaxBatchBytes < 0 || c.MaxBatchBytes > maxFrameLen {
		return fmt.Errorf("wal: Config.MaxBatchBytes %d out of range (0, %d]", c.MaxBatchBytes, maxFrameLen)
	}
	if c.MaxGroupBytes == 0 {
		c.MaxGroupBytes = DefaultMaxGroupBytes
	}
	if c.MaxGroupBytes < 0 {
		return fmt.Errorf("wal: Config.MaxGroupBytes %d is negative", c.MaxGroupBytes)
	}
	if c.CacheBytes == 0 {
		c.CacheBytes = DefaultCacheBytes
	}
	if c.CacheBytes < 0 {
		c.CacheBytes = 0
	}
	return nil
}
