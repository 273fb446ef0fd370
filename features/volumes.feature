@disk-guest @host-access @needs-volumes
Feature: Volumes
  A volume is a directory mounted into a box at a path of its choice. It may be a directory of the
  host, a directory the runtime makes in its home, or a small disk of its own. Its data lives outside
  the box's rootfs, so it must neither eat into the rootfs nor vanish with the box. A read-only volume
  must refuse every write.

  A box that fills a host directory writes to the host. So the scenario puts that directory on a small
  filesystem of its own, kept in one file that cannot grow and is removed afterwards, also when a step
  fails. Every fill is also capped at the volume's size plus 16 MiB.

  Rule: A box filling a host directory volume leaves its rootfs and its neighbours alone, and the data outlives the box
  A host directory volume holds the user's data on the host, not in the box's disk. Filling it must
  not take the box's own free space: the rootfs may lose at most 4 MiB, the slack upstream leaves for
  the box's own logs. The directory sits on a 64 MiB filesystem. The fill must end in "No space left on
  device" after at least 32 MiB, half of it, which shows it reached that filesystem. A neighbour
  must keep serving within 10 seconds. After the box is removed, the host directory must hold the fill,
  byte for byte.

    Scenario: A fill into a host directory volume leaves the rootfs and a neighbour untouched, and its data survives rm
      Given a host directory on a 64 MiB filesystem of its own, shared with a running box at /data, and a running bystander
      When the box fills its volume at /data
      Then the fill of /data stopped with "No space left on device" after at least 32 MiB
      And the box's rootfs lost at most 4 MiB of free space during the fill
      And the bystander is still running and serving commands within 10 seconds
      When the box is force-removed
      Then the host directory still holds every byte of the fill

  Rule: A read-only volume refuses every write from the box, and the host's files stay as they were
  A read-only volume lets a box read the host's files and must never change them. Overwriting a file
  and creating a new one must both fail, with "Read-only file system" in any wording. The host's file
  must keep its SHA-256, and no new file may appear. The box must still serve within 10 seconds.

    Scenario: A read-only volume refuses the box's writes and the host's file keeps its SHA-256
      Given a host directory holding a small file whose SHA-256 is recorded
      And a running box with that directory as a read-only volume at /data
      When the box tries to overwrite the file and to create a new file in /data
      Then both writes fail with "Read-only file system"
      And the host's file still has the SHA-256 recorded, and no new file is in the host directory
      And the box is still running and serving commands within 10 seconds

  @needs-anonymous-volumes
  Rule: An anonymous volume keeps its data across a restart, and removing the box does not delete it
  An anonymous volume is a directory the runtime makes in its home for one box. Its data must come
  back, byte for byte, when the box is stopped and started. Removing the box must not delete it: BoxLite
  keeps it in its home until the user deletes it, as Docker keeps a removed container's volumes. A
  runtime may keep it anywhere under its home.

    Scenario: An anonymous volume's file survives a restart and stays in the runtime's home after rm
      Given a running box with an anonymous volume at /data holding a small file whose SHA-256 is recorded
      When the box is stopped and started again
      Then the file in /data still has the SHA-256 recorded
      When the box is force-removed
      Then the runtime's home still holds that file with the SHA-256 recorded

  @needs-sized-volumes
  Rule: A sized volume holds at most its size, and its disk goes with the box
  A sized volume is a small disk of its own, so a runaway fill stops at its size. The fill of a 32 MiB
  volume must end in "No space left on device" after at most 32 MiB. The rootfs may lose at most 4 MiB,
  the slack upstream leaves for the box's own logs, and the box must serve within 10 seconds. Once the
  box is removed, the home must be back within 4 MiB of its size before the box, the runtime's own
  records. A runtime may finish that deletion later, so it gets 30 seconds, the reclaim rule's window.

    Scenario: A fill into a 32 MiB sized volume stops at its size, and the volume's disk is gone after rm
      Given a running box with a 32 MiB sized volume at /data, its home measured before the box
      When the box fills its volume at /data
      Then the fill of /data stopped with "No space left on device" after at most 32 MiB
      And the box's rootfs lost at most 4 MiB of free space during the fill
      And the box is still running and serving commands within 10 seconds
      When the box is force-removed
      Then within 30 seconds the home is back within 4 MiB of its size before the box
