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
