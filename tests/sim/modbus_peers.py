"""Shared parts of the interop tests that drive adf300-sim with Modbus clients nobody here
wrote (Debian's python3-pymodbus and mbpoll): failing, finding the tools, the register map
`--dump-map` prints, reading a value as the map says, and stopping the simulator.
"""
import csv
import io
import shutil
import subprocess
import sys


def fail(what):
    print("FAIL: " + what)
    sys.exit(1)


def require_peers():
    """pymodbus.client, and mbpoll on the PATH; missing tools FAIL, never skip."""
    try:
        import pymodbus.client
    except ImportError as e:
        fail("pymodbus is missing (%s); run script/bootstrap (Debian python3-pymodbus) and call "
             "/usr/bin/python3" % e)
    if shutil.which("mbpoll") is None:
        fail("mbpoll is missing; run script/bootstrap")
    return pymodbus.client


def dump_map(sim, profiles, model):
    """`adf300-sim --dump-map` of `model`: register name -> its CSV row."""
    out = subprocess.run([sim, "--profiles", profiles, "--profile", model, "--dump-map"],
                         capture_output=True, text=True, timeout=30)
    if out.returncode != 0:
        fail("--dump-map %s exited %d: %s" % (model, out.returncode, out.stderr))
    return {row["name"]: row for row in csv.DictReader(io.StringIO(out.stdout))}


def read_value(fn, regs, name, slave):
    """Register `name` of `regs` read with pymodbus call `fn` from `slave`, high word first (the
    profiles' word_order), signed for i32."""
    rr = fn(int(regs[name]["address"]), int(regs[name]["words"]), slave=slave)
    if rr.isError():
        fail("read %s of slave %d: %s" % (name, slave, rr))
    value = 0
    for w in rr.registers:
        value = (value << 16) | w
    if regs[name]["type"] == "i32" and value >= 1 << 31:
        value -= 1 << 32
    return value


def stop(proc):
    """Stops the simulator `proc` (SIGTERM, then SIGKILL after 10 s)."""
    if proc is None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
