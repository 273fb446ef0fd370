@disk-guest
Feature: Many boxes filling their disks at once
  Upstream fills one or two boxes at a time, but hosts run many. When every box of a home fills its
  rootfs at the same moment, each must still stop at its own limit, keep serving, and keep what it
  held. The host must pay no more than the sum of the boxes' limits.

  Rule: Six boxes filling at the same time each stop at their own bound and keep serving
  Six boxes fill at once, as upstream races 6 writers inside one box. Each box's disk file may grow by
  at most the size of its rootfs plus 16 MiB, the slack a fresh disk gets for the file's own
  bookkeeping. The home may grow by at most 6 times that, the sum of the six limits. Each box's
  64 KiB file, written before the fill, must keep every byte.

    @host-access
    Scenario: Six boxes filling their rootfs at the same time each stop at their own bound and keep serving
      Given 6 running boxes at the suite's default memory, each with a 64 KiB file fingerprinted
      When all 6 boxes fill their rootfs at the same time in the background
      Then every fill ends with "No space left on device"
      And each box's disk on the host grew by at most the size of its rootfs plus 16 MiB, and the home by at most 6 times that
      And all 6 boxes are still running and serving commands within 10 seconds
      And the 64 KiB file of each of the 6 boxes keeps its SHA-256
