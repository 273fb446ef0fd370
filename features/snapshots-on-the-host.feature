@disk-guest @needs-snapshots @host-access
Feature: A box's snapshots leave the host with the box and survive a crash
  Snapshots are files on the host, often bigger than the box's own disk. They must go when their box goes.
  A runtime may die while it takes a snapshot. The box must come back whole at the runtime's next start.

  Background:
    Given a running box whose disk is measured on the host

  Rule: Removing a box gives back everything its snapshots held on the host
  Snapshots left behind by removed boxes slowly fill the host until nothing can start. The snapshots must
  first grow the home by at least 50 MiB, so that what comes back can be measured.

  Within 30 seconds of the removal, the home must be back within 1 MiB of what it held before the box.
  The 1 MiB is for the runtime's own records, the 30 seconds for a deletion it puts off. The shared image
  store is a cache: named in the report, not counted.

    Scenario: Force-removing a box with three snapshots gives the home back to within 1 MiB of before the box within 30 seconds
      Given the box has written 20 MiB of new data before each of three snapshots
      Then the home on the host has grown by at least 50 MiB since before the box
      When the box is force-removed
      Then the home is back to within 1 MiB of what it held before the box within 30 seconds

  Rule: A snapshot cut short by a crash is put right at the next start
  A runtime can die in the middle of a snapshot: killed, out of memory, or with its host. BoxLite leaves a
  marker while it takes a snapshot and repairs the box at its next start. The box must then start, hold
  its file and answer within 10 seconds. No half-made snapshot may be listed.

    Scenario: A box whose snapshot was cut short by a killed runtime starts with its file and lists no half-made snapshot
      Given the box has written "kept" to its file and is stopped
      When the runtime is killed half-way through a snapshot "cut" of the box
      Then the box starts, serves commands within 10 seconds and its file reads "kept"
      And the snapshot cut short is not listed, or it restores and starts with the file reading "kept"
