@disk-guest
Feature: A box with a full rootfs can be recovered
  When a box has filled its disk, its owner must be able to get it back into shape. They may restart
  it without losing data, or delete files and carry on, as often as needed.

  Background:
    Given a running box

  Rule: A box with a full rootfs restarts with its data intact
  Restarting is the first thing an operator tries. A full disk must not stop the box from starting,
  and a restart must not lose or damage what was written before it. Upstream only checked that the
  file was still listed: here its size and SHA-256 must match, so one lost byte fails.

    Scenario: A box with a full rootfs stops and starts again with its data intact
      Given the box has filled its rootfs
      When the box is stopped and started again
      Then the box is running again
      And everything it wrote before the stop is still there, byte for byte
      And new files on its rootfs still fail with "No space left on device"
      And the box is still running and serving commands within 10 seconds

  Rule: Deleting files on a full rootfs gives the space back
  Deleting needs no free space, so it must work on a 100 % full disk. The freed space must be usable
  again at once, however many times the disk fills up. The box starts with more than 50 MiB free, so
  the fill is real. Less than 1 MiB free means the disk is full. The free space must come back to
  within 5 MiB, the slack upstream leaves for the filesystem's own records.

    Scenario: Deleting the fill on a 100 % full rootfs frees the space and writes resume
      Given the box has more than 50 MiB free on its rootfs
      When the box fills its rootfs
      Then the fill stops with "No space left on device" and less than 1 MiB is left free
      When the box deletes the fill
      Then the free space is back to within 5 MiB of where it started
      And the box can still write a new file to its rootfs and read it back

    Scenario: Three fill-and-delete cycles leave the box serving normally
      Given the box has more than 50 MiB free on its rootfs
      When the box fills its rootfs and deletes the fill 3 times
      Then each fill left less than 1 MiB free and each delete gave it back to within 5 MiB
      And the box is still running and serving commands within 10 seconds
      And the files that came with the image are unchanged
      And the box can still write to its memory-backed /tmp
