#!/usr/bin/env python3
"""What `meson install` delivers for a node (docs/deploy.md), checked without
installing anything.

check_deploy.py install BUILD_ROOT HINTLB HINTCTL STEER_OBJ UNIT SAMPLE
    - the daemon, hintctl, steer.bpf.o, the unit and the sample configuration
      are all installed (meson-info/intro-installed.json: built file ->
      install path);
    - the unit's ExecStartPre/ExecStart run the installed hintlb, ExecReload
      and the readiness wait the installed hintctl;
    - the sample's xdp_prog= names where steer.bpf.o lands with the default
      prefix (/usr/local), and the sample passes `hintlb --check` once
      xdp_prog= names the built object.

check_deploy.py systemd BUILD_ROOT HINTLB HINTCTL UNIT
    `systemd-analyze verify` accepts the unit without a warning, the
    installed paths swapped for the built binaries (it checks that the
    commands exist). Exit 77 (skipped) where systemd-analyze is missing.
"""
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

DEFAULT_PREFIX = "/usr/local"


def fail(msg):
    print(f"FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def installed_paths(build_root):
    with open(os.path.join(build_root, "meson-info", "intro-installed.json")) as f:
        return json.load(f)


def install_path(installed, built, what):
    path = installed.get(os.path.realpath(built)) or installed.get(built)
    if path is None:
        fail(f"{what} ({built}) is not installed by meson install")
    print(f"{what}: {built} -> {path}")
    return path


def unit_commands(unit):
    """{key: [argv, ...]} for the unit's Exec*= lines."""
    cmds = {}
    with open(unit) as f:
        for line in f:
            m = re.match(r"^(Exec\w+)=(.*)$", line.strip())
            if m:
                cmds.setdefault(m.group(1), []).append(shlex.split(m.group(2)))
    return cmds


def check_unit(unit, hintlb, hintctl):
    cmds = unit_commands(unit)
    for key in ("ExecStartPre", "ExecStart", "ExecStartPost", "ExecReload"):
        if key not in cmds:
            fail(f"{unit}: no {key}=")
    for key in ("ExecStartPre", "ExecStart"):
        argv = cmds[key][0]
        if argv[0] != hintlb or "--config" not in argv:
            fail(f"{unit}: {key}={' '.join(argv)} does not run {hintlb} --config")
    if "--check" not in cmds["ExecStartPre"][0]:
        fail(f"{unit}: ExecStartPre does not run --check")
    reload = cmds["ExecReload"][0]
    if reload[0] != hintctl or reload[-1] != "reload":
        fail(f"{unit}: ExecReload={' '.join(reload)} is not {hintctl} ... reload")
    if not any(hintctl in " ".join(argv) for argv in cmds["ExecStartPost"]):
        fail(f"{unit}: ExecStartPost does not wait with {hintctl}")
    print(f"{unit}: Exec lines run {hintlb} and {hintctl}")


def sample_xdp_progs(sample):
    progs = []
    with open(sample) as f:
        for line in f:
            line = line.split(";", 1)[0].strip()
            progs += re.findall(r"xdp_prog=([^,\s]+)", line)
    return progs


def cmd_install(build_root, hintlb, hintctl, steer, unit, sample):
    installed = installed_paths(build_root)
    i_hintlb = install_path(installed, hintlb, "hintlb")
    i_hintctl = install_path(installed, hintctl, "hintctl")
    i_steer = install_path(installed, steer, "steer.bpf.o")
    install_path(installed, unit, "hintlb.service")
    install_path(installed, sample, "sample configuration")
    if os.path.dirname(i_hintlb) != os.path.dirname(i_hintctl):
        fail(f"hintctl ({i_hintctl}) is not installed next to hintlb ({i_hintlb})")
    check_unit(unit, i_hintlb, i_hintctl)

    with open(os.path.join(build_root, "meson-info", "intro-buildoptions.json")) as f:
        prefix = next(o["value"] for o in json.load(f) if o["name"] == "prefix")
    want = DEFAULT_PREFIX + "/" + os.path.relpath(i_steer, prefix)
    progs = sample_xdp_progs(sample)
    if not progs:
        fail(f"{sample}: no xdp_prog= in [eal] args")
    for p in progs:
        if p != want:
            fail(f"{sample}: xdp_prog={p}, but meson install puts steer.bpf.o at {want} "
                 f"(prefix {DEFAULT_PREFIX})")
    print(f"{sample}: xdp_prog= is {want}")

    with tempfile.TemporaryDirectory() as tmp:
        conf = os.path.join(tmp, "baremetal.conf")
        with open(sample) as f, open(conf, "w") as out:
            out.write(f.read().replace("xdp_prog=" + want,
                                       "xdp_prog=" + os.path.realpath(steer)))
        r = subprocess.run([hintlb, "--config", conf, "--check"], capture_output=True,
                           text=True, timeout=60)
        if r.returncode != 0 or ": ok (" not in r.stdout:
            fail(f"hintlb --check on the sample: exit {r.returncode}\n{r.stdout}{r.stderr}")
        print(f"hintlb --check: {r.stdout.strip()}")


def cmd_systemd(build_root, hintlb, hintctl, unit):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        print("systemd-analyze not found: skipped")
        sys.exit(77)
    installed = installed_paths(build_root)
    i_hintlb = install_path(installed, hintlb, "hintlb")
    i_hintctl = install_path(installed, hintctl, "hintctl")
    with tempfile.TemporaryDirectory() as tmp:
        # the file name is the unit name systemd-analyze reports
        copy = os.path.join(tmp, "hintlb.service")
        with open(unit) as f, open(copy, "w") as out:
            text = f.read().replace(i_hintlb, os.path.realpath(hintlb))
            out.write(text.replace(i_hintctl, os.path.realpath(hintctl)))
        r = subprocess.run([analyze, "verify", copy], capture_output=True, text=True,
                           timeout=60)
        if r.returncode != 0 or r.stderr.strip() or r.stdout.strip():
            fail(f"systemd-analyze verify: exit {r.returncode}\n{r.stdout}{r.stderr}")
    print(f"systemd-analyze verify {os.path.basename(unit)}: no complaint")


def main():
    if len(sys.argv) == 8 and sys.argv[1] == "install":
        cmd_install(*sys.argv[2:])
    elif len(sys.argv) == 6 and sys.argv[1] == "systemd":
        cmd_systemd(*sys.argv[2:])
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
