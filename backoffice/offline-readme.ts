// The README init writes beside the root key: what the offline directory is and what to do with it.
export const OFFLINE_README = `THIS DIRECTORY MUST LEAVE THIS MACHINE.

root.key is the Tessera root key: every terminal trusts whatever it signs. It signs only trust
lists, and only on an offline machine. The online back office (run, issue-*, publish-*) never
reads it again after init.

1. Copy this whole directory (root.key, trust-list.v1.txt) to two encrypted removable media
   kept in different safes, and check both copies.
2. Delete it from this machine:  shred -u root.key && rm -r <this directory>
3. Renewals and issuer-key rotations are signed on the offline machine with
     tessera-backoffice trust sign --root-key root.key --current trust-list.vN.txt --out trust-list.vN+1.txt
   and installed here with
     tessera-backoffice publish-trust trust-list.vN+1.txt
   (docs/backoffice.md, "Trust-list ceremonies").
`;
