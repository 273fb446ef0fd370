@disk-guest @host-access @host-full
Feature: A host that runs out of space
  Boxes share the host's disk, so a box's writes may fill the host before they fill the box's own
  disk. The box must then see its writes fail, not hang or die. Its neighbours' data must stay intact,
  and a new box must fail at once with a clear error. The host must recover as soon as the box that
  filled it is removed.

  The scenario never fills the host's own disk. It puts its home on a small filesystem of its own,
  kept in one file that cannot grow and is removed afterwards, also when a step fails. Every byte the
  runtime writes for these boxes lands in that file.

  Rule: A full host fails writes and new boxes cleanly, and recovers once the filler is removed
  In BoxLite issue #1487, a runaway fill filled a host, and the next box failed to start with a write
  error. The home's filesystem holds 384 MiB, less than the victim's 1 GiB disk, so the host runs out
  first. Less than 1 MiB free means the host is full. Creating a new box must fail within 300 seconds,
  upstream's time limit for starting a box, so a start that hangs fails. The error may name the lack
  of space in any words, on any of its lines. A runtime that checks free space first and refuses the
  new box at once does better than one that fails half-way.
  A runtime may also finish deleting the removed box's disk a few seconds after the removal returns.
  So a new box is tried for up to 30 seconds after it, the window the reclaim rule states.

    Scenario: A box that runs its host out of space gets write errors and keeps answering, and the host recovers once it is removed
      Given the scenario's home is on a 384 MiB filesystem of its own
      And a running bystander box with a small file whose SHA-256 is recorded
      And a running victim box that asked for a 1 GiB disk
      When the victim fills its rootfs
      Then the home's filesystem has less than 1 MiB free
      And the victim's synced writes fail with "No space left on device" or an I/O error
      And the victim still answers commands within 10 seconds
      And the bystander's small file still has the SHA-256 recorded
      And creating a new box fails with an error that names the lack of space within 300 seconds
      When the victim is force-removed
      Then within 30 seconds a new box starts and can write a file to its rootfs and read it back
