"""Interop: pymodbus and mbpoll, Modbus clients nobody here wrote, read a plain energy meter
(profiles/energy-meter.yaml) that adf300-sim serves on one pty bus beside ADF300 boxes: the
bus of sim/examples/mixed-meters.yaml, at the addresses `adf300-sim --dump-map` prints.

Usage: /usr/bin/python3 energy_meter_interop_test.py <adf300-sim> <profiles dir> <fleet file>
Prints PASS on success; any failure exits 1 with what went wrong. Needs Debian's
python3-pymodbus and mbpoll (script/bootstrap installs them): missing tools FAIL, never skip.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from modbus_peers import dump_map, fail, read_value, require_peers, stop  # noqa: E402

ModbusSerialClient = require_peers().ModbusSerialClient

SIM, PROFILES, FLEET = sys.argv[1], sys.argv[2], sys.argv[3]
EM1, EM3, BOX = 21, 22, 4  # the example's addresses: em-1p, em-3p, an ADF300L-I box


em1, em3, adf = (dump_map(SIM, PROFILES, m) for m in ("em-1p", "em-3p", "adf300l-i"))
for name in ("model", "c1.energy_total", "c1.voltage", "c1.power", "c1.serial"):
    if name not in em1:
        fail("the em-1p map lacks " + name)
for name in ("c1.balance", "c1.relay", "c1.purchase_count", "c1.price_flat"):
    if name in em1 or name in em3:
        fail("an energy meter's map has the prepaid register " + name)
if "c1.power_c" not in em3 or "c1.power_c" in em1:
    fail("per-phase registers belong to em-3p only")

work = tempfile.mkdtemp(prefix="phil_sim_energy_interop.")
proc = None
try:
    # One simulated hour per wall second: a 1000 W load adds 1 kWh (raw 100) a second.
    proc = subprocess.Popen([SIM, "--fleet", FLEET, "--profiles", PROFILES, "--run-dir", work,
                             "--start", "2026-03-01T00:00:00+08:00", "--speed", "3600"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()  # "BUS bus1 pty /abs/path"; the sim flushes it
    if not line.startswith("BUS bus1 pty "):
        fail("no BUS line: %r %s" % (line, proc.stderr.read() if proc.poll() is not None else ""))
    port = line.split()[3]

    client = ModbusSerialClient(port=port, baudrate=9600, timeout=1)
    if not client.connect():
        fail("pymodbus cannot open " + port)

    def read(regs, name, slave, fc=3):
        fn = client.read_holding_registers if fc == 3 else client.read_input_registers
        return read_value(fn, regs, name, slave)

    if read(em1, "model", EM1) != 101 or read(em3, "model", EM3) != 103:
        fail("the energy meters do not say em-1p (101) and em-3p (103)")
    if read(em1, "c1.voltage", EM1) != 2200:
        fail("em-1p voltage is not 220.0 V (raw 2200)")
    if read(em1, "c1.power", EM1, fc=4) != 1000:
        fail("em-1p power (FC04) is not 1000 W")
    first = read(em1, "c1.energy_total", EM1)
    time.sleep(2.5)
    second = read(em1, "c1.energy_total", EM1)
    if not second >= first + 150:
        fail("em-1p energy_total did not accumulate: %d then %d (raw 0.01 kWh)" % (first, second))
    # One read from power to power_c: the lift's load walks, so one instant for all four.
    first_word = int(em3["c1.power"]["address"])
    count = int(em3["c1.power_c"]["address"]) + 2 - first_word
    rr = client.read_holding_registers(first_word, count, slave=EM3)
    if rr.isError():
        fail("read em-3p powers: %s" % rr)

    def word32(name):
        at = int(em3[name]["address"]) - first_word
        return rr.registers[at] << 16 | rr.registers[at + 1]

    total = word32("c1.power")
    phases = sum(word32("c1.power_" + p) for p in "abc")
    if total <= 0 or phases != total:
        fail("em-3p power %d is not the sum of its phases %d" % (total, phases))
    # The ADF300 box on the same bus answers its own map.
    if read(adf, "model", BOX) != 1:
        fail("the ADF300L-I box at %d does not answer beside the energy meters" % BOX)
    read(adf, "c1.balance", BOX)
    # The energy meter is read-only where it meters, and has nothing where a box keeps money.
    wr = client.write_registers(int(em1["c1.energy_total"]["address"]), [0, 0], slave=EM1)
    if not wr.isError() or getattr(wr, "exception_code", None) != 2:
        fail("a write of energy_total must be exception 02, got %s" % wr)
    rr = client.read_holding_registers(int(adf["c1.balance"]["address"]), 2, slave=EM1)
    if not rr.isError() or getattr(rr, "exception_code", None) != 2:
        fail("an energy meter has no balance: a read there must be exception 02, got %s" % rr)
    client.close()

    # mbpoll: 0-based references (-0), one poll (-1), holding registers (-t 4).
    for name, expected in (("c1.voltage", 2200), ("model", 101)):
        ref = em1[name]["address"]
        out = subprocess.run(["mbpoll", "-m", "rtu", "-b", "9600", "-P", "none", "-a", str(EM1),
                              "-t", "4", "-0", "-1", "-r", ref, "-c", "1", port],
                             capture_output=True, text=True, timeout=30)
        if out.returncode != 0 or ("[%s]: \t%d" % (ref, expected)) not in out.stdout:
            fail("mbpoll did not read %s %d: rc %d %s %s" % (name, expected, out.returncode,
                                                              out.stdout, out.stderr))
    ref = em1["c1.energy_total"]["address"]
    out = subprocess.run(["mbpoll", "-m", "rtu", "-b", "9600", "-P", "none", "-a", str(EM1), "-t",
                          "4:int", "-B", "-0", "-1", "-r", ref, "-c", "1", port],
                         capture_output=True, text=True, timeout=30)
    if out.returncode != 0 or ("[%s]: \t" % ref) not in out.stdout:
        fail("mbpoll did not read energy_total as a 32-bit value: rc %d %s %s" %
             (out.returncode, out.stdout, out.stderr))
    value = int(out.stdout.split("[%s]: \t" % ref, 1)[1].split()[0])
    if value < second:
        fail("mbpoll's energy_total %d is below pymodbus's earlier %d" % (value, second))
    print("PASS")
finally:
    stop(proc)
    shutil.rmtree(work, ignore_errors=True)
