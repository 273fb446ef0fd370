@disk-guest @host-access
Feature: The host gets its disk space back
  Each box's disk is one file on the host that grows as the box writes. The host's disk is shared
  by every box, so space a box no longer uses must flow back: when the box is removed, and when
  files are deleted inside it. A copy from the host must not use more host space than it could
  possibly store.

  Background:
    Given a running box whose disk is measured on the host

  Rule: Removing a box gives back the space its disk used
  Removed boxes that keep their disk space (or keep a process holding it) slowly fill the
  host until nothing can start. The space is measured over the whole home, wherever the runtime
  keeps it (a disk moved aside or a deletion put off still counts), against the home before the
  box was created; the runtime's shared image store is a cache, named in the report.

    Scenario: Force-removing a filled box gives back at least 90 % of its disk growth within 30 seconds
      When the box fills its rootfs until "No space left on device"
      Then the box's disk on the host has grown by at least 50 MiB
      When the box is force-removed
      Then at least 90 % of that growth is given back within 30 seconds
      And nothing of the box is left running or mounted on the host
      And no file or directory under the home still carries the box's id or name within 10 seconds

  Rule: Copying in a file bigger than the box's free space fails, and costs the host no more than the file
  A host-side copy is limited by the box's disk like any write in the box: it must fail
  visibly, not pretend to succeed, and must not pile the file up on the host instead.

    Scenario: Copying in a file twice the box's free space fails and uses at most that much host space
      When the host copies a file twice the size of the box's free space into the box
      Then the copy fails with a non-zero exit
      And the box is still running and serving commands within 10 seconds
      And the box's home on the host grew by at most twice the box's free space plus 8 MiB

  @discard
  Rule: Files deleted inside a box are given back to the host
  When a program deletes files, the box tells the host (discard), which punches the freed
  blocks out of the disk file. Without it, every box's disk file stays at its high-water mark
  forever. BoxLite 0.10.0 has no guest-side discard, so these scenarios are expected to fail
  there; run `--tags "@disk-guest and not @discard"` to leave them out.

  The fill-delete-fill scenario also checks that churn never grows the disk file beyond 1.6
  times one fill. Upstream only measured after the second fill, which cannot fail (the second
  fill reuses the freed blocks, discard or not), so here the disk file is also measured right
  after the delete, where a dropped discard shows.

    Scenario: Filling, deleting and filling again never grows the disk beyond 1.6 times one fill
      When the box fills its rootfs until "No space left on device"
      Then the box's disk on the host has grown by at least 50 MiB
      When the box deletes the fill
      Then the box's disk on the host falls back to within 30 MiB of its start within 15 seconds
      When the box fills its rootfs again until "No space left on device"
      Then the box's disk on the host is at most 1.6 times the first fill's growth above its start

    Scenario: Deleting a 200 MiB file gives its space back to the host
      When the box writes a 200 MiB file to its rootfs
      Then the box's disk on the host has grown by at least 150 MiB
      When the box deletes that file
      Then the box's disk on the host falls back to within 30 MiB of its start within 15 seconds

    Scenario: Deleting 4000 small files gives their space back to the host
      When the box writes 4000 files of 16 KiB each to its rootfs
      Then the box's disk on the host has grown by at least 40 MiB
      When the box deletes every other file, then the rest
      Then the box's disk on the host falls back to within 30 MiB of its start within 15 seconds
