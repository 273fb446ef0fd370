@disk-guest @needs-gc @host-access
Feature: Garbage collection (gc) gives back the space no box uses, and nothing else
  A home keeps the base disk of every image it ever ran, even after the image's last box is gone, so it
  only grows (upstream issue #1487). The runtime's gc command deletes what no box uses. It must never
  delete what a box still needs, what is being made right now, or files that are not its disks.

  Rule: A dry run of gc reports what it would delete and deletes nothing
  Before deleting, an operator asks gc what it would do. The answer must name what a real run would
  delete: at least 1 base disk and more than 0 bytes, as upstream's test asks. Nothing in the image store
  may change. gc leaves anything changed in the last 10 minutes
  alone, so that a box being made keeps its disks. Waiting 10 minutes in every scenario is too slow. So
  the suite sets the times of the home's files a day back, as upstream's own test does, and gc reads
  only those times.

    Scenario: A dry run after the last box of an image is removed reports its base disk and deletes nothing
      Given the only box of an image was force-removed and the home then left alone for a day
      When gc runs as a dry run
      Then gc says it would reclaim at least 1 base disk of an image and more than 0 bytes
      And every file that was in the image store is still there

  Rule: gc deletes the base disk of an image no box uses, and a second run finds nothing more
  A base disk no box uses is the largest thing a home keeps for nothing, often hundreds of MiB. gc must
  delete it and count it, and a second gc right after must find nothing left to reclaim. The home is
  set a day back, as in the dry run, so the 10 minutes gc waits are over.

    Scenario: gc deletes the base disk the last box of an image left, and a second gc reclaims nothing
      Given the only box of an image was force-removed and the home then left alone for a day
      When gc runs
      Then the base disks the removed box left are gone, and gc counted each of them
      When gc runs again
      Then gc says it reclaimed 0 bytes and nothing of any kind

  Rule: gc keeps what boxes use, what is younger than 10 minutes, and files that are not disks
  Deleting a disk a box still uses leaves that box unable to start. So gc may delete a disk only when no
  box uses it, never for its age alone, however deep the chain of disks below the box. A disk made in
  the last 10 minutes stays, as a box being made may be about to use it. Files that are not the
  runtime's disks stay too: an operator may have put them there. Here every file in the home is set a
  day back, so only these reasons can keep a file.

    Scenario: gc keeps the disks of a running and a stopped box, a fresh unused base disk and foreign files
      Given a running box and a stopped box, each holding a file of its own
      And the home was left alone for a day, then a fresh unused base disk and two foreign files appeared
      When gc runs
      Then gc deleted none of the files the boxes are built on, the fresh base disk or the foreign files
      When the stopped box is started
      Then both boxes serve commands within 10 seconds and still hold their files, byte for byte

    @needs-snapshots
    Scenario: gc keeps the base disk under a box's snapshot, and the box starts after it
      Given a stopped box holding a file of its own, with a snapshot taken after the file was written
      And the home was left alone for a day
      When gc runs
      Then gc deleted none of the files the box is built on
      When the stopped box is started
      Then the stopped box serves commands within 10 seconds and still holds its file, byte for byte

    @needs-clone
    Scenario: gc keeps the disk a stopped box shares with its clone, and both start after it
      Given a stopped box holding a file of its own, and a clone of it
      And the home was left alone for a day
      When gc runs
      Then gc deleted none of the files the boxes are built on
      When the stopped box and its clone are started
      Then the stopped box and its clone serve commands within 10 seconds and still hold the file, byte for byte
