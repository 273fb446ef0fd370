@disk-guest
Feature: Running out of inodes is survivable
  A disk can run out of room for new files (inodes) long before it runs out of bytes, for example
  when a program creates a huge number of tiny files. That is a different failure from a full disk,
  and it must be just as harmless. New files fail with "No space left on device", and everything else
  keeps working.

  Background:
    Given a running box

  Rule: With no inodes left, the box keeps working and its existing files stay usable
  Programs keep writing their logs and reading their files even when no new file can be made. A box
  that fell over or lost its files here would turn a full directory into an outage. The box must
  create more than 100 files before the next one fails, as upstream asks: fewer means the loop stopped
  for another reason. The loop stops at 500000 files, so a disk with more inodes fails, not hangs.

    Scenario: A box that runs out of inodes stays alive and its files stay readable
      When the box creates up to 500000 empty files until its rootfs has no inodes left
      Then more than 100 files were created and the next one failed with "No space left on device"
      And the box is still running and serving commands within 10 seconds
      And the files that came with the image are unchanged

    Scenario: Appending to an existing file still works with no inodes left
      Given the box has a log file that reads "initial"
      When the box creates up to 500000 empty files until its rootfs has no inodes left
      Then more than 100 files were created and the next one failed with "No space left on device"
      And appending "appended" to the log file works and it then reads "initial" and "appended"
      And the box is still running and serving commands within 10 seconds
