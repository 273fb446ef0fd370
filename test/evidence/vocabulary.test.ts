/** Per fact: wordings a correct runtime or guest tool may use (they match), and look-alikes that state another. */
import { strict as assert } from 'node:assert'
import { describe, it } from 'node:test'
import { FACTS, type Fact, firstLineSaying, says } from '../../src/evidence/vocabulary'

const CASES: Record<Fact, { match: string[]; not: string[] }> = {
  'out-of-space': {
    match: [
      'No space left on device (os error 28)',
      "dd: error writing '/fill': No space left on device",
      'write failed: ENOSPC',
      'Error: io error: os error 28',
      'OSError: [Errno 28] No space left on device',
      'errno=28',
      'disk full',
      'Disk is full',
      'the filesystem is full',
      'not enough free space in /home/x to create a box: 0 MiB available, at least 512 MiB needed',
      'insufficient disk space',
      'out of disk space',
      'Out of space',
      'no space left',
      'NO SPACE LEFT ON DEVICE',
      'There is not enough space on the disk.',
      'storage error: no free space on the home filesystem',
      'ran out of space while creating the overlay',
      'disk space exhausted',
      // BoxLite prints some errors over two lines: the fact may be on the second.
      'Error: failed to create box dgs-second-1234\nCaused by: No space left on device (os error 28)',
    ],
    not: [
      '',
      'permission denied',
      'Permission denied (os error 13)',
      'Disk quota exceeded',
      'Disk quota exceeded (os error 122)',
      'EDQUOT',
      'free space: 10 GiB available',
      'checking free space before the start',
      'freed 200 MiB of disk space',
      'os error 280',
      'there is no space in a box name',
      'Read-only file system',
      'box not found: abc',
    ],
  },
  'out-of-inodes': {
    match: [
      "sh: can't create f41234: No space left on device",
      'touch: cannot touch f9: No space left on device',
      'ENOSPC',
      'no inodes left',
      'out of inodes',
      'no free inode on the device',
      'inodes exhausted',
    ],
    not: [
      '',
      'Permission denied',
      'Disk quota exceeded',
      'Too many open files',
      'inode 12 has a bad checksum',
      'created 4000 inodes',
      'File exists',
    ],
  },
  'read-only-filesystem': {
    match: [
      'Read-only file system',
      "dd: can't open '/x': Read-only file system",
      'EROFS',
      'Read-only file system (os error 30)',
      'os error 30',
      'the rootfs is mounted read-only',
      'EXT4-fs (vda): Remounting filesystem read-only',
      'filesystem is read-only',
    ],
    not: ['', 'Permission denied', 'No space left on device', 'os error 3', 'read the file only once', 'opened'],
  },
  'io-error': {
    match: [
      'Input/output error',
      "dd: error writing '/after-full': Input/output error",
      'I/O error, dev loop3, sector 12',
      'EIO',
      'Input/output error (os error 5)',
      'os error 5',
    ],
    not: ['', 'Permission denied', 'os error 50', 'No space left on device', 'I/O completed', 'EIOCTL'],
  },
  'no-such-box': {
    match: [
      'box not found: dgs-box-1234',
      "Error removing box 'X': box not found: X",
      'No such box: abc',
      'no box named dgs-x',
      'no box with id abc',
      'unknown box abc',
      "box 'abc' does not exist",
      'Box abc not found',
    ],
    not: [
      '',
      'Permission denied',
      'image not found: busybox',
      'No such file or directory',
      'box is not running',
      'box started',
    ],
  },
  'box-not-running': {
    match: ['invalid state: box abc is not running', 'box is not running', 'the box abc is stopped', 'Box was exited'],
    not: ['', 'box is running', 'box not found: abc', 'Permission denied'],
  },
  'image-not-found': {
    match: [
      'image not found: busybox:latest',
      'images error: image busybox does not exist',
      'No such image: x',
      'manifest unknown',
      'Local image must contain oci-layout file, not found at: /x/oci-layout',
    ],
    not: ['', 'box not found: x', 'Permission denied', 'pulled image busybox'],
  },
  'disk-damaged': {
    match: [
      "storage error: the box's disk is torn",
      'qcow2 header is corrupt',
      'could not open overlay /h/boxes/x/disks/disk.qcow2: Bad message',
      'the rootfs cannot be mounted',
      'EXT4 filesystem is damaged',
      'Error: failed to start box\n  caused by: disk image truncated',
    ],
    not: ['', 'Permission denied', 'box not found: x', 'timed out', 'Error: exit 1'],
  },
  'disk-rebuilt': {
    match: [
      "refbox: box abc's disk was torn (qcow2 check failed): rebuilt it from the base image; what it wrote is lost",
      'disk was damaged; recreated it from the image',
      'overlay restored from the base',
      'rootfs reset to the image',
      'repaired the disk',
      'Rebuilding the disk from the base image',
      'the disk was torn\nre-initialised it from the image',
    ],
    not: [
      '',
      'Permission denied',
      'rebuilt the index',
      'the disk could not be rebuilt',
      'failed to repair the disk',
      'the disk needs repair',
      'disk ok\nConnection reset by peer',
      'box started',
    ],
  },
  'filesystem-error': {
    match: [
      'EXT4-fs error (device loop3): ext4_validate_block_bitmap:376: comm sh: bg 0: bad block bitmap checksum',
      'EXT4-fs warning (device loop3): ext4_clear_journal_err:5950: Filesystem error recorded from previous mount',
      'EXT4-fs (loop3): warning: mounting fs with errors, running e2fsck is recommended',
      'Aborting journal on device loop3-8.',
      'EXT4-fs (loop3): ext4_do_writepages: jbd2_start: 0 pages, ino 12; err -30\nJournal has aborted',
    ],
    not: [
      '',
      'EXT4-fs (loop3): recovery complete',
      'EXT4-fs (loop3): mounted filesystem 1234 r/w with ordered data mode. Quota mode: none.',
      'EXT4-fs (loop3): mounted filesystem with ordered data mode. Opts: errors=remount-ro',
      'EXT4-fs (loop3): orphan cleanup on readonly fs',
      'loop3: detected capacity change from 0 to 2097152',
    ],
  },
  'timed-out': {
    match: [
      'the box did not start (timed out)',
      'Error: boot timed out after 30s',
      'timeout: guest agent did not answer',
      'timeout waiting for the guest',
      'context deadline exceeded',
      'ETIMEDOUT',
      'Connection timed out (os error 110)',
    ],
    not: ['', 'timeout=30', 'run --timeout 30 busybox', 'no timeout set', 'started in 3.2 s', 'Permission denied'],
  },
  'stack-trace': {
    match: [
      'Error: boom\n    at Object.<anonymous> (/x/y.js:10:5)\n    at Module._compile (node:internal/loader:1364:14)',
      '    at async main (file:///x/cli.mjs:4:3)',
      "thread 'main' panicked at src/main.rs:10:5:\nindex out of bounds",
      'note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace',
      'stack backtrace:\n   0: std::panicking::begin_panic',
      'Traceback (most recent call last):\n  File "x.py", line 1',
      'panic: boom\n\ngoroutine 1 [running]:',
    ],
    not: [
      '',
      'Error: box not found: abc',
      'Error: not enough free space in /h to create a box:\n  at least 512 MiB needed',
      'looked at the disk',
      "storage error: the box's disk is torn",
    ],
  },
  'has-dependents': {
    match: [
      'Error: invalid state: Cannot remove box: boxes [AbCdEfGhIjKl] have clone dependencies on it. Remove those ' +
        'first or use force=true.',
      'Error: the box is in the wrong state for this: Cannot remove box: boxes [x] have clone dependencies on it.',
      "Error removing box 'src': box src is in use by box abc",
      'Error: cannot remove: 2 boxes depend on it',
      'Error: box src has dependents: abc',
      'Error: box src was cloned by abc; remove abc first',
      'Error: still referenced by clone abc',
      'Error: boxes abc, def are based on it',
    ],
    not: [
      '',
      'Error: box not found: src',
      'Error: invalid state: cannot remove box src with live pid 10. Use force=true to stop first',
      'Error: nothing depends on it, but its disk is busy',
      'Error: storage error: Container disk not found at /h/boxes/x/disks/disk.qcow2',
      'Error: already exists: box name c1',
    ],
  },
}

describe('vocabulary: facts matched by meaning', () => {
  for (const [fact, { match, not }] of Object.entries(CASES) as Array<[Fact, (typeof CASES)[Fact]]>) {
    describe(fact, () => {
      it('has a plain-English meaning', () => assert.ok(FACTS[fact].meaning.length > 10))
      for (const text of match)
        it(`states it: ${JSON.stringify(text)}`, () => {
          assert.equal(says(fact, text), true)
          assert.ok(firstLineSaying(fact, text))
        })
      for (const text of not)
        it(`does not state it: ${JSON.stringify(text)}`, () => assert.equal(says(fact, text), false))
    })
  }

  it('says nothing of an undefined text', () => {
    for (const fact of Object.keys(FACTS) as Fact[]) assert.equal(says(fact, undefined), false)
  })

  it('quotes the line that states the fact, not the context line before it', () => {
    const text =
      'Error: could not create box dgs-second-1a2b\n  caused by: not enough free space in /h: 0 MiB available'
    assert.equal(firstLineSaying('out-of-space', text), 'caused by: not enough free space in /h: 0 MiB available')
  })

  it('is case-insensitive', () => {
    assert.equal(says('out-of-space', 'no space left on device'), true)
    assert.equal(says('io-error', 'input/output ERROR'), true)
  })
})
