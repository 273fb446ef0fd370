@disk-guest
Feature: A box survives being killed, torn or interrupted
  Upstream stops and starts boxes politely. Operators meet the rough cases: a box's process killed
  outright, a disk file damaged by a host crash, a start cut short. Each may cost at most the data
  that was never synced. None may leave a box that can neither run nor be removed.

  Rule: Data a box synced to disk survives a hard kill of its host process, and the disk stays undamaged
  Killing the box's main process on the host outright (SIGKILL) is a crash for the box. What it had not
  synced may be lost, but what it synced must not be. Only the 4 MiB synced file must survive.
  Afterwards the disk file's own checker (`qemu-img check`) must find 0 errors and 0 corruptions, as
  Cloud Hypervisor's tests ask after every crash. The box's kernel log must show no filesystem error
  ("EXT4-fs error") after the restart: smolvm once found such errors after a kill.

    @host-access
    Scenario: A file synced before the box's host process is killed outright is unchanged afterwards, on a disk that checks clean
      Given a running box
      And the box has synced a 4 MiB file and written a 64 KiB file without syncing it
      When the box's host process is killed outright
      Then a check of the box's disk file finds 0 errors and 0 corruptions
      And the box starts again and the synced file keeps its size and SHA-256
      And the box's kernel log since it started again shows no filesystem error

  Rule: A box whose disk was torn starts from its image or says why, and can always be removed
  A crash can leave a box's disk file cut short. In BoxLite issue #866, every restart then failed. The
  box must come back with its disk rebuilt from the image, its data gone and the runtime saying so. Or
  its start must fail with an error that names the disk. The disk file is cut to 50 % of its length,
  which loses data the disk's index points to. The start gets 60 seconds, far more than a normal start
  takes, so only a start that hangs fails.

    @host-access
    Scenario: A stopped box whose disk file was cut in half starts from its image or fails naming the disk, and can then be removed
      Given a running box
      And the box has written a 64 KiB file and was stopped
      When its disk file is cut to 50 % of its length on the host
      And the box is started again, given at most 60 seconds
      Then the start ended within 60 seconds, either with the box serving commands again within 10 seconds and its disk rebuilt, or failing with an error that names the disk
      And force-removing the box succeeds and leaves nothing of it in the home within 10 seconds

  Rule: A start that is interrupted or fails leaves nothing behind
  A start killed part-way may leave a box, but only one that the runtime lists and force-removing
  removes completely. No process, mount, loop device or file of it may stay in the home. A start that
  fails must leave no box at all. Starts are killed outright at 8 points from 5 % to 89 % of the time
  one start takes. More are killed as a sign of the start appears on the host: its box directory, its
  disk file, its first process. So a kill falls between the box's process starting and the start
  returning, where a box is most easily orphaned. The report counts the kills in each phase seen.

    @host-access
    Scenario: Starts killed at many points of a start leave nothing once the listed boxes are removed
      Given the time one box takes to start in this home
      When starts are killed outright at 8 points from 5 % to 89 % of that time
      And starts are killed outright as the box directory, the disk file and the box's first process appear
      And every box the runtime lists, stopped ones included, is force-removed
      Then no process, mount, loop device or box directory is left under the home within 10 seconds

    @host-access
    Scenario: Starts from a missing image and from a broken one fail and leave no box behind
      When a box is started from an image that does not exist and one from an image whose index file is corrupt
      Then both starts fail with an error and the runtime lists no box, stopped ones included
      And no process, mount, loop device or box directory is left under the home within 10 seconds
