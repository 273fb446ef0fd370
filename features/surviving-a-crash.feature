@disk-guest
Feature: A box survives being killed, torn or interrupted
  Upstream stops and starts boxes politely. Operators meet the impolite cases: the box's process
  killed outright, a disk torn by a host crash, a start cut short. Each must cost at most the data
  that was never synced, and never leave a box that can neither run nor be removed.

  Rule: Data a box synced survives a hard kill of its host process, on a consistent disk
  Killing the box's host-side main process with SIGKILL (the pid the runtime reports for it) is a
  crash for the box: what it did not sync may be lost, what it synced must not be, and the disk
  must still be a consistent qcow2 with a clean ext4 on it.

    @host-access
    Scenario: A file synced before a SIGKILL of the box's host process keeps its SHA-256 on a consistent disk
      Given a running box
      And the box has synced a 4 MiB file and written a 64 KiB file without syncing it
      When the box's host process is killed with SIGKILL
      Then the box's disk passes "qemu-img check" with 0 errors and 0 corruptions
      And the box starts again and the synced file keeps its size and SHA-256
      And the box's kernel log since it started again has no "EXT4-fs error"

  Rule: A box whose disk was torn starts from its image or says why, and can always be removed
  A crash can leave the box's disk file cut short (BoxLite #866: every restart then failed). The
  box must come back (its disk rebuilt from the image, its data gone, and the runtime says so) or
  its start must fail naming the disk; never a start that hangs or a box nothing can remove.

    @host-access
    Scenario: A stopped box whose disk file was cut to half its length starts from its image or fails clearly, and rm -f removes it
      Given a running box
      And the box has written a 64 KiB file and was stopped
      When its disk file is cut to 50 % of its length on the host
      And the box is started again, given at most 60 seconds
      Then the start ended within 60 seconds, either with the box serving commands again within 10 seconds and its disk rebuilt, or failing with an error that names the disk
      And "rm -f" removes the box and nothing of it is left under the home within 10 seconds

  Rule: A start that is interrupted or fails leaves nothing behind
  A `run` killed part-way must leave at most a box that "list -a" shows and "rm -f" removes
  completely: no process, mount, loop device, storage daemon or file of it under the home. A
  start that fails must leave no box at all. Starts are killed all along a start and as each
  sign of it shows on the host (its box directory, its disk file, its first process naming the
  home), so that a kill falls between "the box's host process runs" and "the start returned";
  the report counts the kills per phase the host saw, and names a sign a runtime never shows.

    @host-access
    Scenario: Starts killed at many points of a start leave nothing once the listed boxes are removed
      Given the time one box takes to start in this home
      When starts are killed with SIGKILL at 8 points from 5 % to 89 % of that time
      And starts are killed with SIGKILL as the box directory, the disk file and the host process appear
      And every box "list -a" shows is force-removed
      Then no process, mount, loop device or box directory is left under the home within 10 seconds

    @host-access
    Scenario: Starts from a missing image layout and from a broken one fail and leave no box behind
      When a box is started from an image layout that does not exist and one from a layout whose index is not JSON
      Then both starts fail with an error and "list -a" shows no box
      And no process, mount, loop device or box directory is left under the home within 10 seconds
