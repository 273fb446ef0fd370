@disk-guest @host-access
Feature: A box's disk costs the host only what the box writes
  Each box's disk is one file on the host. The file starts almost empty and grows only as the box
  writes. What the box has not changed is read from the image's base disk, which every box of the
  image shares, read-only, in the runtime's image store. So a fresh box must cost the host almost
  nothing, the base disk must never change, and a box asked for a bigger disk must get all of it.

  Rule: A fresh box's disk costs the host almost nothing
  A runtime that reserves or copies each disk in full makes every idle box cost the host the whole
  size of its disk. An empty disk file holds about 0.3 MiB on this suite's disk stack. The limit of
  16 MiB leaves room for a runtime's own headers, and still fails the 64 MiB a BoxLite branch set
  aside for each box (BoxLite PR #618).

    Scenario: A fresh box's disk file holds at most 16 MiB on the host before the box writes anything
      Given a running box whose disk is measured on the host
      Then the box's disk file holds at most 16 MiB on the host

  Rule: The image's base disk is shared and never written
  Every box of an image is backed by one base disk in the runtime's image store. A runtime that gives
  each box its own copy multiplies what every box costs the host. One that writes to the shared base
  disk changes the files of every other box of the image.

    Scenario: Two boxes of one image are backed by the same base disk file in the image store
      Given two running boxes, a victim and a bystander
      Then both boxes' disks on the host are backed by one base disk file in the runtime's image store

    Scenario: The image's base disk keeps its SHA-256 while a box fills, deletes, restarts and is removed
      Given a running box whose disk is measured on the host
      And the SHA-256 of the box's base disks on the host is recorded
      When the box fills its rootfs until "No space left on device"
      And the box deletes the fill
      And the box is stopped and started again
      And the box is force-removed
      Then the base disks on the host still have the SHA-256 recorded before

  Rule: A box asked for a bigger disk gets all of it, and no more
  A box's disk is the size asked for, or the image's size if that is bigger, and its filesystem is
  grown to fill it. In BoxLite issue #1152, the box saw the full size, but the host cut its disk file
  off near 1 GiB, and the box died mid-write. The suite asks for 1 GiB, well above the image's disk
  and under the 2 GiB limit every fill is held to. ext4 keeps part of a disk for its own tables, so the
  box sees between 0.85 GiB and 1 GiB. The fill must write at least 700 MiB, most of the disk. Outside
  the shared image store, the home may grow by at most 1 GiB plus 16 MiB for the disk file's own
  bookkeeping.

    Scenario: A box that asked for a 1 GiB disk gets an ext4 rootfs of 0.85 to 1 GiB and can fill 700 MiB of it
      Given a running box that asked for a 1 GiB disk, measured on the host
      Then the box's rootfs is an ext4 filesystem between 0.85 GiB and 1 GiB
      And the box's disk file on the host describes a disk of 1 GiB
      When the box fills its rootfs until "No space left on device"
      Then the fill wrote at least 700 MiB
      And the box is still running and serving commands within 10 seconds
      And what the box keeps on the host has grown by at most 1 GiB plus 16 MiB
