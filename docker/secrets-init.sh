#!/bin/sh
# secrets-init (compose.secure.yml): copies, from the stack's secrets mounted read-only at $1, only the
# files each service needs into that service's volume, mounted at $2/<volume>: owned by the user its
# image runs as, mode 0400, in a 0500 directory. The plan is $1/volumes.manifest, one line per volume:
# `<volume> <uid> <gid> <file>...` (written by make up: scripts/lib/docker/secret-volumes.ts).
# POSIX sh: it runs under BusyBox in the Alpine-based kafka image, as root.
set -eu
src=${1:?usage: secrets-init.sh <secrets dir> <volumes dir>}
out=${2:?usage: secrets-init.sh <secrets dir> <volumes dir>}
manifest=$src/volumes.manifest
fail() { echo "secrets-init: $*" >&2; exit 1; }
[ -r "$manifest" ] || fail "cannot read $manifest (make up writes it)"

while read -r volume uid gid files; do
  [ -n "$volume" ] || continue
  dir=$out/$volume
  [ -d "$dir" ] || fail "$dir is not mounted (volume $volume)"
  chown 0:0 "$dir"
  chmod 0700 "$dir"
  for f in $files; do
    [ -f "$src/$f" ] || fail "$src/$f is missing (wanted by volume $volume)"
    # Replaced by rename: a service reading the file meanwhile sees the old or the new one, never half.
    cp "$src/$f" "$dir/.$f.new"
    chown "$uid:$gid" "$dir/.$f.new"
    chmod 0400 "$dir/.$f.new"
    mv -f "$dir/.$f.new" "$dir/$f"
  done
  # Exactly the plan's files: whatever an earlier plan put there goes.
  for path in "$dir"/* "$dir"/.[!.]*; do
    [ -e "$path" ] || continue
    name=${path##*/}
    case " $files " in *" $name "*) ;; *) rm -rf "$path" ;; esac
  done
  chown "$uid:$gid" "$dir"
  chmod 0500 "$dir"
  echo "secrets-init: $volume: $(echo $files | wc -w) file(s) for uid $uid"
done < "$manifest"
