@disk-guest
Feature: A box's root filesystem is a small disk of its own
  Every box gets its own root filesystem (`/`, the rootfs): a small ext4 disk that lives in one file on
  the host. Programs in the box may fill it, but that must never fill the host's disk. A full disk
  must fail the way programs expect ("No space left on device") while the box keeps working.

  Background:
    Given a running box

  Rule: The rootfs is a small ext4 disk that belongs to the box alone
  If `/` were the host's own filesystem, or a disk without a size limit, one runaway program in a box
  could fill the machine. It would take every other box, and the host, down with it. The disk must
  hold between 50 MiB and 2 GiB, the upstream bounds: a smaller one is an empty mount, a bigger one the
  host's disk. A 32 MiB write must grow the box's disk file by at least 30 MiB, which shows the writes
  land in this box's own file.

    @host-access
    Scenario: The rootfs is an ext4 disk between 50 MiB and 2 GiB, kept in the box's own disk file
      Then the box's rootfs is an ext4 filesystem between 50 MiB and 2 GiB
      When the box writes a 32 MiB file to its rootfs
      Then the box's disk on the host has grown by at least 30 MiB

  Rule: Filling the rootfs ends in "No space left on device" and the box keeps working
  A program that fills the disk must get the ordinary error it knows how to handle. Everything else
  must keep working: the box must not crash, freeze, turn read-only or damage the files it came with.
  Its memory-backed `/tmp` is not affected at all. Six writers race, as in the upstream test.

    Scenario: A box that fills its rootfs gets "No space left on device" and keeps serving
      When the box fills its rootfs
      Then the fill stops with "No space left on device"
      And the box is still running and serving commands within 10 seconds
      And the files that came with the image are unchanged
      And the box can still write to its memory-backed /tmp

    Scenario: Six writers racing to fill the rootfs all get "No space left on device"
      When 6 writers race to fill the rootfs at the same time
      Then all 6 writers stop with "No space left on device" and none of them succeeds
      And the box is still running and serving commands within 10 seconds
