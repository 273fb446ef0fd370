@disk-guest
Feature: Boxes do not share disk space
  Many boxes run side by side on one host. Whatever one box does to its own disk, even filling it to
  the last byte, must not take space from its neighbours or slow them to a halt.

  Background:
    Given two running boxes, a victim and a bystander

  Rule: A box filling its rootfs takes nothing from the boxes next to it
  If boxes shared one disk, or one box's fill stalled the others, a single misbehaving box could break
  every other box on the machine. An idle neighbour may lose at most 4 MiB of free space, the slack
  upstream leaves for its own logs. A busy neighbour must add more than 5 lines to its log, as
  upstream asks. It must also add at least 1 per second while the fill runs, so a neighbour slowed
  to a crawl fails.

    Scenario: A neighbour's fill takes at most 4 MiB of an idle box's free space, and the idle box can still write
      When the victim fills its rootfs until "No space left on device"
      Then the bystander's free space has shrunk by at most 4 MiB
      And the bystander can still write a new file to its rootfs and read it back
      And both boxes are still running and serving commands within 10 seconds

    Scenario: A busy box keeps writing while its neighbour fills its rootfs
      When the victim fills its rootfs in the background while the bystander keeps appending to a log
      Then the bystander appended more than 5 lines, at least 1 per second, while the victim's fill was still running
      And the victim's fill stopped with "No space left on device"
      And both boxes are still running and serving commands within 10 seconds
