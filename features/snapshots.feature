@disk-guest @needs-snapshots
Feature: Snapshots bring a box's disk back to an earlier moment
  A snapshot keeps a box's disk as it was at one moment, so that its owner can go back to that moment
  later. Going back must bring exactly that moment. No snapshot step may leave the box unable to start,
  and a snapshot must stay until it is removed.

  Background:
    Given a running box

  Rule: Restoring a snapshot brings back the disk exactly as it was when the snapshot was taken
  Owners take a snapshot before a risky change and restore it when the change goes wrong. A restore that
  brings back later writes, or loses earlier ones, defeats that. A running box keeps writing while its
  snapshot is taken, so its snapshot must still hold only what came before.

  BoxLite 0.10.0 renames a running box's disk into the snapshot while the box still writes to that file.
  So the scenario for a running box is expected to fail there.

    Scenario: A stopped box restored to its snapshot reads what it held then, not what it wrote later
      Given the box has written "first" to its file and is stopped
      And a snapshot "s1" of the box was taken
      When the box is started, writes "second" to its file and is stopped
      And the box is restored to snapshot "s1" and started
      Then the box's file reads "first"

    Scenario: A snapshot of a running box holds what the box wrote before it, not what it wrote after
      Given the box has written "before" to its file
      When a snapshot "live" of the running box is taken
      And the box writes "after" to its file and is stopped
      And the box is restored to snapshot "live" and started
      Then the box's file reads "before"

  Rule: Taking or restoring a snapshot never leaves the box unable to start
  BoxLite once deleted a box's new disk right after a snapshot or a restore (BoxLite #323), and the box
  could never start again. After each step the box must start and hold its file. It must answer a command
  within 10 seconds, the window the whole suite gives a box to answer.

    Scenario: A box starts, serves and keeps its file after a snapshot and after a restore
      Given the box has written "first" to its file and is stopped
      When a snapshot "s1" of the box is taken
      Then the box starts, serves commands within 10 seconds and its file reads "first"
      When the box writes "second" to its file, is stopped and is restored to snapshot "s1"
      Then the box starts, serves commands within 10 seconds and its file reads "first"

  Rule: A running box cannot be restored, and asking leaves it running with its data
  A restore swaps the disk under the box. Under a running box, two disks would mix in one filesystem.
  BoxLite refuses with "invalid state". Any refusal will do, as long as the box keeps running and keeps
  what it wrote.

    Scenario: Restoring a running box is refused and the box keeps running with what it wrote
      Given the box has written "first" to its file
      And a snapshot "s1" of the running box was taken
      And the box has written "second" to its file
      When the running box is asked to restore snapshot "s1"
      Then the restore is refused
      And the box is still running and serving commands within 10 seconds
      And the box's file reads "second"

  Rule: Removing snapshots never breaks the box or the snapshots left
  Each snapshot builds on the one before it, and the box's disk builds on the one it came from. A runtime
  may refuse to remove a snapshot that another disk still reads, or make that disk whole first. Either way,
  after each removal the box must start with its file, and each snapshot still listed must restore.

    Scenario: Removing three snapshots one by one, newest first, keeps the box and every snapshot left whole
      Given the box is stopped with three snapshots "v1", "v2" and "v3", each holding its own word in its file
      And the box is restored to snapshot "v1"
      When each snapshot is removed in turn, newest first, and the box and every snapshot left are started
      Then each removal either took the snapshot off the list or was refused and left it listed
      And after each removal the box started with its file as it was
      And after each removal every snapshot still listed restored and started with its own word

  Rule: Snapshots are kept with the box until they are removed
  A snapshot is only worth something if it is still there when it is needed, after the box restarted and
  after the runtime restarted. A runtime used as a command starts anew on every call, so there each step
  is a new runtime.

    Scenario: Two snapshots are still listed after the box restarts, and each restores to its own word
      Given the box is stopped with two snapshots "s1" and "s2", each holding its own word in its file
      When the box is started and stopped again
      Then the box lists the snapshots "s1" and "s2"
      When the box is restored to each snapshot in turn and started
      Then each snapshot brought back its own word

  Rule: A box with a full rootfs can be snapshotted and restored with its data intact
  A full disk is when owners most want a snapshot before they clean up. The snapshot of a full box must
  restore the same full disk, byte for byte. The box must then answer a command within 10 seconds, as
  everywhere in this suite.

    Scenario: A snapshot of a box with a full rootfs restores every byte and the box serves again
      Given the box has filled its rootfs
      When a snapshot "full" of the running box is taken
      And the box is stopped, restored to snapshot "full" and started
      Then everything it wrote before the stop is still there, byte for byte
      And the box is still running and serving commands within 10 seconds
