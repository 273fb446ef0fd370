@disk-guest @host-access @host-full
Feature: A host that runs out of space
  Boxes share the host's disk. When a box's writes run the host out of space before its own disk
  is full, the box must see its writes fail (not hang or die), its neighbours' data must stay
  intact, a new box must fail at once with a clear error, and the host must recover as soon as
  the box that filled it is removed.

  The scenario never fills the host's own disk: it puts its home on a small ext4 filesystem of
  its own (an image file on a loop device, removed afterwards, also when a step fails), so every
  byte the runtime writes for these boxes lands in that image, which cannot grow.

  Rule: A full host fails writes and new boxes cleanly, and recovers once the filler is removed
  Upstream, a runaway fill once filled a host and the next box failed to start with a write
  error; the runtime read free space nowhere. The lack of space may be said in any words, on any
  line of the error: a runtime that checks free space first and refuses the new box at once in
  its own sentence does better than one that fails half-way. A runtime may also finish deleting
  the removed box's disk a few seconds after `rm -f` returns: the host must have recovered within
  30 seconds of the removal, the window the reclaim rule states, and a new box is tried until then.

    Scenario: A box that runs its host out of space gets write errors and keeps answering, and the host recovers once it is removed
      Given the scenario's home is on a 384 MiB filesystem of its own
      And a running bystander box with a small file whose SHA-256 is recorded
      And a running victim box that asked for a 1 GiB disk
      When the victim fills its rootfs
      Then the home's filesystem has less than 1 MiB free
      And the victim's flushed writes fail with "No space left on device" or an I/O error
      And the victim still answers commands within 10 seconds
      And the bystander's small file still has the SHA-256 recorded
      And creating a new box fails with an error that names the lack of space within 300 seconds
      When the victim is force-removed
      Then within 30 seconds a new box starts and can write a file to its rootfs and read it back
