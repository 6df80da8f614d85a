"""Interop: Modbus clients nobody here wrote (pymodbus, mbpoll) read and write adf300-sim over
its pty and its Modbus TCP gateway, at the register addresses `adf300-sim --dump-map` prints.

Usage: /usr/bin/python3 interop_test.py <adf300-sim> <profiles dir>
Prints PASS on success; any failure exits 1 with what went wrong. Needs Debian's
python3-pymodbus and mbpoll (script/bootstrap installs them): missing tools FAIL, never skip.
"""
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from modbus_peers import dump_map, fail, read_value, require_peers, stop  # noqa: E402

clients = require_peers()
ModbusSerialClient, ModbusTcpClient = clients.ModbusSerialClient, clients.ModbusTcpClient

SIM, PROFILES = sys.argv[1], os.environ.get("PHIL_PROFILES_DIR", sys.argv[2])
work = tempfile.mkdtemp(prefix="phil_sim_interop.")
proc = None
try:
    regs = dump_map(SIM, PROFILES, "adf300l-i")
    for name in ("model", "c1.balance", "c1.power", "c2.mode", "c1.purchase_count"):
        if name not in regs:
            fail("the map lacks " + name)
    addr = {name: int(row["address"]) for name, row in regs.items()}

    with open(os.path.join(work, "fleet.yaml"), "w") as f:
        f.write("""buses:
  - id: bus1
    port: vbus/bus1
    boxes:
      - address: 3
        model: adf300l-i
        circuits:
          1: {load: {constant: 1000}, balance: "12.34"}
          2: {load: {constant: 100}, balance: "5.00", mode: keep_power}
  - id: gw
    transport: tcp
    port: 0
    boxes:
      - address: 7
        model: adf300l-i
        circuits:
          1: {load: {constant: 2000}, balance: "8.00"}
""")
    proc = subprocess.Popen([SIM, "--fleet", os.path.join(work, "fleet.yaml"), "--profiles",
                             PROFILES, "--run-dir", work, "--start",
                             "2026-03-01T00:00:00+08:00"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()  # "BUS bus1 pty /abs/path"; the sim flushes it
    if not line.startswith("BUS bus1 pty "):
        fail("no BUS line: %r %s" % (line, proc.stderr.read() if proc.poll() is not None else ""))
    port = line.split()[3]
    line = proc.stdout.readline()  # "BUS gw tcp 127.0.0.1:PORT", the port actually bound
    if not line.startswith("BUS gw tcp 127.0.0.1:"):
        fail("no BUS line for the gateway: %r" % line)
    gw_port = int(line.split()[3].rsplit(":", 1)[1])

    client = ModbusSerialClient(port=port, baudrate=9600, timeout=1)
    if not client.connect():
        fail("pymodbus cannot open " + port)

    def read(name, fc=3):
        fn = client.read_holding_registers if fc == 3 else client.read_input_registers
        return read_value(fn, regs, name, 3)

    if read("model") != 1:
        fail("model is not adf300l-i (code 1)")
    balance = read("c1.balance")
    if not 1220 <= balance <= 1234:
        fail("c1.balance raw %d, expected about 1234 (12.34 yuan at scale 0.01)" % balance)
    if read("c1.power", fc=4) != 1000:
        fail("c1.power (FC04) is not 1000 W")
    if read("c2.mode") != 1:
        fail("c2.mode is not keep_power (1)")
    wr = client.write_register(addr["c2.mode"], 2, slave=3)  # FC06: forced off
    if wr.isError() or read("c2.mode") != 2:
        fail("FC06 write of c2.mode did not take: %s" % wr)
    credit = [1, 0, 100]  # purchase_count 1, purchase_amount 1.00 yuan
    wr = client.write_registers(addr["c1.purchase_count"], credit, slave=3)
    if wr.isError():
        fail("credit refused: %s" % wr)
    wr = client.write_registers(addr["c1.purchase_count"], credit, slave=3)  # a retry
    if not wr.isError() or getattr(wr, "exception_code", None) != 4:
        fail("a retried credit must be exception 04, got %s" % wr)
    client.close()

    # mbpoll: 0-based references (-0), one poll (-1), holding registers (-t 4).
    out = subprocess.run(["mbpoll", "-m", "rtu", "-b", "9600", "-P", "none", "-a", "3", "-t",
                          "4", "-0", "-1", "-r", str(addr["c1.purchase_count"]), "-c", "1",
                          port], capture_output=True, text=True, timeout=30)
    expected = "[%d]: \t1" % addr["c1.purchase_count"]
    if out.returncode != 0 or expected not in out.stdout:
        fail("mbpoll did not read purchase_count 1: rc %d %s %s" % (out.returncode, out.stdout,
                                                                   out.stderr))

    # The Modbus TCP gateway: pymodbus's own MBAP client, unit id = box address.
    tcp = ModbusTcpClient("127.0.0.1", port=gw_port, timeout=1)
    if not tcp.connect():
        fail("pymodbus cannot connect to the gateway at port %d" % gw_port)
    rr = tcp.read_input_registers(addr["c1.power"], int(regs["c1.power"]["words"]), slave=7)
    if rr.isError() or (rr.registers[0] << 16 | rr.registers[1]) != 2000:
        fail("c1.power through the gateway is not 2000 W: %s" % rr)
    wr = tcp.write_registers(addr["c1.purchase_count"], [1, 0, 100], slave=7)
    if wr.isError():
        fail("credit through the gateway refused: %s" % wr)
    rr = tcp.read_holding_registers(addr["c1.purchase_count"], 1, slave=7)
    if rr.isError() or rr.registers[0] != 1:
        fail("purchase_count through the gateway is not 1: %s" % rr)
    tcp.close()
    out = subprocess.run(["mbpoll", "-m", "tcp", "-p", str(gw_port), "-a", "7", "-t", "4", "-0",
                          "-1", "-r", str(addr["c1.purchase_count"]), "-c", "1", "127.0.0.1"],
                         capture_output=True, text=True, timeout=30)
    if out.returncode != 0 or expected not in out.stdout:
        fail("mbpoll over TCP did not read purchase_count 1: rc %d %s %s" %
             (out.returncode, out.stdout, out.stderr))
    print("PASS")
finally:
    stop(proc)
    shutil.rmtree(work, ignore_errors=True)
