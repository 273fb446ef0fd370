@disk-guest @needs-export
Feature: A box can be exported to an archive and imported again
  A box can be written to one archive file and brought back as a new box, on the same host or another.
  The archive must hold the box's whole disk, with nothing left on the host it came from. An import
  must check the archive first, and refuse a damaged one without leaving half a box behind.

  Rule: An exported box comes back whole, in a new box with a disk of its own
  What a box holds must survive the trip: text, binary data, file modes and symbolic links. The binary
  file is 1 MiB of random bytes, so one changed byte changes its SHA-256. The imported box is a new box,
  stopped until it is started. Its disk must name no backing file, so it needs nothing of the box it
  came from. Two imports of one archive are two boxes, each with its own disk.

    @host-access
    Scenario: A box exported while it runs comes back with the same files, modes and symbolic link, in a new stopped box
      Given a running box holding a text file, a 1 MiB binary file, files of mode 750 and 600 and a symbolic link
      When the box is exported while it runs and the archive is imported
      Then the imported box is a new box, and it is stopped
      And the imported box's disk on the host names no backing file
      When the imported box is started
      Then the imported box holds the same files, modes and symbolic link

    Scenario: Two imports of one archive both start, and neither sees what the other writes
      Given a running box holding a text file, a 1 MiB binary file, files of mode 750 and 600 and a symbolic link
      When the box is stopped and exported, and the archive is imported twice
      And both imported boxes are started
      Then both imported boxes hold the same files, modes and symbolic link
      When each imported box writes a file of its own
      Then neither imported box sees the file the other wrote

  Rule: A box with a full rootfs is exported and imported whole
  A full box is the one its owner most wants to save or move elsewhere. Its export must not fail for
  want of room in the box, and the import must start and hold all of it, checked by size and SHA-256.

    Scenario: A box that filled its rootfs is exported, and the imported box starts with everything it wrote
      Given a running box
      And the box has filled its rootfs
      When the box is exported while it runs and the archive is imported
      And the imported box is started
      Then the imported box holds everything the box wrote, byte for byte

  Rule: A damaged archive is refused, and no box is made from it
  An archive may be cut short, changed on its way, or made by a newer runtime. The import must check it
  before it makes a box. One changed byte in the disk must fail the checksum. An archive without its
  manifest, or of version 6, one past the newest BoxLite 0.10.0 reads, must be refused. So must a disk
  that names a backing file, since it would read a host file the archive chose.

    @host-access
    Scenario: Importing four damaged copies of an archive fails four times and leaves the runtime's boxes as they were
      Given a running box that was exported to an archive
      When damaged copies of the archive are imported: a changed disk byte, no manifest, version 6, a backing file
      Then each import fails and names no new box
      And the runtime lists the same boxes as before the imports
      And the home holds no new box directory
