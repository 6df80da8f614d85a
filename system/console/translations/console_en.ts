<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US">
<context>
    <name>Board</name>
    <message>
        <source>Not opened</source>
        <translation>Not opened</translation>
    </message>
    <message>
        <source>Normal</source>
        <translation>Normal</translation>
    </message>
    <message>
        <source>Alarm 1</source>
        <translation>Alarm 1</translation>
    </message>
    <message>
        <source>Alarm 2</source>
        <translation>Alarm 2</translation>
    </message>
    <message>
        <source>Arrears</source>
        <translation>Arrears</translation>
    </message>
    <message>
        <source>Offline</source>
        <translation>Offline</translation>
    </message>
</context>
<context>
    <name>phil::console::AdminPage</name>
    <message>
        <source>Add an operator…</source>
        <translation>Add an operator…</translation>
    </message>
    <message>
        <source>Change the role…</source>
        <translation>Change the role…</translation>
    </message>
    <message>
        <source>Disable</source>
        <translation>Disable</translation>
    </message>
    <message>
        <source>Operators</source>
        <translation>Operators</translation>
    </message>
    <message>
        <source>Tariffs</source>
        <translation>Tariffs</translation>
    </message>
    <message>
        <source>Check the chain</source>
        <translation>Check the chain</translation>
    </message>
    <message>
        <source>System log</source>
        <translation>System log</translation>
    </message>
    <message>
        <source>Id</source>
        <translation>Id</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>Role</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>Created</translation>
    </message>
    <message>
        <source>Disabled</source>
        <translation>Disabled</translation>
    </message>
    <message>
        <source>Failed logins</source>
        <translation>Failed logins</translation>
    </message>
    <message>
        <source>Tariff</source>
        <translation>Tariff</translation>
    </message>
    <message>
        <source>No.</source>
        <translation>No.</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>Time</translation>
    </message>
    <message>
        <source>Operator</source>
        <translation>Operator</translation>
    </message>
    <message>
        <source>Action</source>
        <translation>Action</translation>
    </message>
    <message>
        <source>Target</source>
        <translation>Target</translation>
    </message>
    <message>
        <source>Outcome</source>
        <translation>Outcome</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>Details</translation>
    </message>
    <message>
        <source>The chain is intact: %1 rows, %2 ledger entries; head %3 %4</source>
        <translation>The chain is intact: %1 rows, %2 ledger entries; head %3 %4</translation>
    </message>
    <message>
        <source>The chain is BROKEN: %1</source>
        <translation>The chain is BROKEN: %1</translation>
    </message>
    <message>
        <source>Add an operator</source>
        <translation>Add an operator</translation>
    </message>
    <message>
        <source>Login id</source>
        <translation>Login id</translation>
    </message>
    <message>
        <source>First password (at least 10 characters)</source>
        <translation>First password (at least 10 characters)</translation>
    </message>
    <message>
        <source>Change the role</source>
        <translation>Change the role</translation>
    </message>
    <message>
        <source>New role of %1</source>
        <translation>New role of %1</translation>
    </message>
    <message>
        <source>Disable %1 for good?</source>
        <translation>Disable %1 for good?</translation>
    </message>
</context>
<context>
    <name>phil::console::AlarmsPage</name>
    <message>
        <source>History (cleared and acknowledged too)</source>
        <translation>History (cleared and acknowledged too)</translation>
    </message>
    <message>
        <source>Sound for new alarms</source>
        <translation>Sound for new alarms</translation>
    </message>
    <message>
        <source>Acknowledge</source>
        <translation>Acknowledge</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>Refresh</translation>
    </message>
    <message>
        <source>No.</source>
        <translation>No.</translation>
    </message>
    <message>
        <source>Raised</source>
        <translation>Raised</translation>
    </message>
    <message>
        <source>Alarm</source>
        <translation>Alarm</translation>
    </message>
    <message>
        <source>Where</source>
        <translation>Where</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>Details</translation>
    </message>
    <message>
        <source>State</source>
        <translation>State</translation>
    </message>
    <message>
        <source>Acknowledged</source>
        <translation>Acknowledged</translation>
    </message>
    <message>
        <source>active</source>
        <translation>active</translation>
    </message>
    <message>
        <source>cleared %1</source>
        <translation>cleared %1</translation>
    </message>
    <message>
        <source>%1 at %2</source>
        <translation>%1 at %2</translation>
    </message>
    <message>
        <source>New alarm: %1 at %2</source>
        <translation>New alarm: %1 at %2</translation>
    </message>
</context>
<context>
    <name>phil::console::ApiClient</name>
    <message>
        <source>No answer from %1: %2</source>
        <translation>No answer from %1: %2</translation>
    </message>
    <message>
        <source>The server answered %1</source>
        <translation>The server answered %1</translation>
    </message>
</context>
<context>
    <name>phil::console::BenchPanel</name>
    <message>
        <source>Bus</source>
        <translation>Bus</translation>
    </message>
    <message>
        <source>Box address</source>
        <translation>Box address</translation>
    </message>
    <message>
        <source>For</source>
        <translation>For</translation>
    </message>
    <message>
        <source>Box silent</source>
        <translation>Box silent</translation>
    </message>
    <message>
        <source>CRC errors</source>
        <translation>CRC errors</translation>
    </message>
    <message>
        <source>Power loss</source>
        <translation>Power loss</translation>
    </message>
    <message>
        <source>Drop replies</source>
        <translation>Drop replies</translation>
    </message>
    <message>
        <source>Clear every fault</source>
        <translation>Clear every fault</translation>
    </message>
    <message>
        <source>Fleet status</source>
        <translation>Fleet status</translation>
    </message>
    <message>
        <source>Circuit</source>
        <translation>Circuit</translation>
    </message>
    <message>
        <source>Load (W)</source>
        <translation>Load (W)</translation>
    </message>
    <message>
        <source>Set load</source>
        <translation>Set load</translation>
    </message>
    <message>
        <source>Show meter</source>
        <translation>Show meter</translation>
    </message>
    <message>
        <source>The virtual fleet (adf300-sim ctl): change a circuit&apos;s load or inject a fault, and watch the board react.</source>
        <translation>The virtual fleet (adf300-sim ctl): change a circuit&apos;s load or inject a fault, and watch the board react.</translation>
    </message>
</context>
<context>
    <name>phil::console::BoardPage</name>
    <message>
        <source>Search: room, tenant, account or meter</source>
        <translation>Search: room, tenant, account or meter</translation>
    </message>
    <message>
        <source>Floor</source>
        <translation>Floor</translation>
    </message>
    <message>
        <source>Select all shown</source>
        <translation>Select all shown</translation>
    </message>
    <message>
        <source>Clear selection</source>
        <translation>Clear selection</translation>
    </message>
    <message>
        <source>Trip</source>
        <translation>Trip</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>Keep power</source>
        <translation>Keep power</translation>
    </message>
    <message>
        <source>Restore prepaid</source>
        <translation>Restore prepaid</translation>
    </message>
    <message>
        <source>Preview and send…</source>
        <translation>Preview and send…</translation>
    </message>
    <message numerus="yes">
        <source>%n meter(s) selected</source>
        <translation>
            <numerusform>%n meter selected</numerusform>
            <numerusform>%n meters selected</numerusform>
        </translation>
    </message>
    <message>
        <source>All floors</source>
        <translation>All floors</translation>
    </message>
    <message>
        <source>Batch command: preview</source>
        <translation>Batch command: preview</translation>
    </message>
    <message>
        <source>Asking the server what the command would do…</source>
        <translation>Asking the server what the command would do…</translation>
    </message>
    <message>
        <source>Send to these meters</source>
        <translation>Send to these meters</translation>
    </message>
    <message>
        <source>%1 — %2 meter(s), %3 refused. Send it?</source>
        <translation>%1 — %2 meter(s), %3 refused. Send it?</translation>
    </message>
    <message>
        <source>Batch command</source>
        <translation>Batch command</translation>
    </message>
    <message>
        <source>queued</source>
        <translation>queued</translation>
    </message>
    <message>
        <source>✓ done</source>
        <translation>✓ done</translation>
    </message>
    <message>
        <source>✗ %1</source>
        <translation>✗ %1</translation>
    </message>
    <message>
        <source>… %1</source>
        <translation>… %1</translation>
    </message>
</context>
<context>
    <name>phil::console::BoardView</name>
    <message>
        <source>%1 · floor %2 · box %3/%4</source>
        <translation>%1 · floor %2 · box %3/%4</translation>
    </message>
    <message>
        <source>not placed · box %1/%2</source>
        <translation>not placed · box %1/%2</translation>
    </message>
</context>
<context>
    <name>phil::console::CounterPage</name>
    <message>
        <source>Account, room or tenant</source>
        <translation>Account, room or tenant</translation>
    </message>
    <message>
        <source>Find</source>
        <translation>Find</translation>
    </message>
    <message>
        <source>No account shown: find one above.</source>
        <translation>No account shown: find one above.</translation>
    </message>
    <message>
        <source>Amount, yuan (e.g. 50.00)</source>
        <translation>Amount, yuan (e.g. 50.00)</translation>
    </message>
    <message>
        <source>Sale</source>
        <translation>Sale</translation>
    </message>
    <message>
        <source>Refund</source>
        <translation>Refund</translation>
    </message>
    <message>
        <source>Reverse the selected sale</source>
        <translation>Reverse the selected sale</translation>
    </message>
    <message>
        <source>Receipt (PDF)…</source>
        <translation>Receipt (PDF)…</translation>
    </message>
    <message>
        <source>Open an account…</source>
        <translation>Open an account…</translation>
    </message>
    <message>
        <source>Close this account…</source>
        <translation>Close this account…</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>Time</translation>
    </message>
    <message>
        <source>Account</source>
        <translation>Account</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>Kind</translation>
    </message>
    <message>
        <source>Amount</source>
        <translation>Amount</translation>
    </message>
    <message>
        <source>State</source>
        <translation>State</translation>
    </message>
    <message>
        <source>The account&apos;s ledger</source>
        <translation>The account&apos;s ledger</translation>
    </message>
    <message>
        <source>This counter&apos;s transactions</source>
        <translation>This counter&apos;s transactions</translation>
    </message>
    <message>
        <source>Save the receipt</source>
        <translation>Save the receipt</translation>
    </message>
    <message>
        <source>PDF (*.pdf)</source>
        <translation>PDF (*.pdf)</translation>
    </message>
    <message>
        <source>Receipt</source>
        <translation>Receipt</translation>
    </message>
    <message>
        <source>The receipt could not be written to %1</source>
        <translation>The receipt could not be written to %1</translation>
    </message>
    <message>
        <source>yuan</source>
        <translation>yuan</translation>
    </message>
    <message>
        <source>&lt;b&gt;%1&lt;/b&gt; — %2, room %3, phone %4&lt;br&gt;balance &lt;b&gt;%5 yuan&lt;/b&gt; on the meter(s): %6%7</source>
        <translation>&lt;b&gt;%1&lt;/b&gt; — %2, room %3, phone %4&lt;br&gt;balance &lt;b&gt;%5 yuan&lt;/b&gt; on the meter(s): %6%7</translation>
    </message>
    <message>
        <source>&lt;br&gt;&lt;b&gt;closed&lt;/b&gt; %1</source>
        <translation>&lt;br&gt;&lt;b&gt;closed&lt;/b&gt; %1</translation>
    </message>
    <message>
        <source>Entry</source>
        <translation>Entry</translation>
    </message>
    <message>
        <source>Meter</source>
        <translation>Meter</translation>
    </message>
    <message>
        <source>Operator</source>
        <translation>Operator</translation>
    </message>
    <message>
        <source>Log entry</source>
        <translation>Log entry</translation>
    </message>
    <message>
        <source>Enter an amount in yuan with at most 2 decimals, e.g. 50.00</source>
        <translation>Enter an amount in yuan with at most 2 decimals, e.g. 50.00</translation>
    </message>
    <message>
        <source>%1 of %2 yuan to %3: that is more than %4 yuan. Is the amount right?</source>
        <translation>%1 of %2 yuan to %3: that is more than %4 yuan. Is the amount right?</translation>
    </message>
    <message>
        <source>sale</source>
        <translation>sale</translation>
    </message>
    <message>
        <source>pending</source>
        <translation>pending</translation>
    </message>
    <message>
        <source>confirmed by the meter</source>
        <translation>confirmed by the meter</translation>
    </message>
    <message>
        <source>failed: %1</source>
        <translation>failed: %1</translation>
    </message>
    <message>
        <source>Tenant</source>
        <translation>Tenant</translation>
    </message>
    <message>
        <source>Room</source>
        <translation>Room</translation>
    </message>
    <message>
        <source>Ledger entry</source>
        <translation>Ledger entry</translation>
    </message>
    <message>
        <source>System log entry</source>
        <translation>System log entry</translation>
    </message>
    <message>
        <source>Electricity sale receipt</source>
        <translation>Electricity sale receipt</translation>
    </message>
    <message>
        <source>refund</source>
        <translation>refund</translation>
    </message>
    <message>
        <source>pending: the meter gives it up first</source>
        <translation>pending: the meter gives it up first</translation>
    </message>
    <message>
        <source>confirmed</source>
        <translation>confirmed</translation>
    </message>
    <message>
        <source>Reversal</source>
        <translation>Reversal</translation>
    </message>
    <message>
        <source>Select the sale to reverse in the ledger.</source>
        <translation>Select the sale to reverse in the ledger.</translation>
    </message>
    <message>
        <source>Only a sale can be reversed.</source>
        <translation>Only a sale can be reversed.</translation>
    </message>
    <message>
        <source>Reverse sale %1?</source>
        <translation>Reverse sale %1?</translation>
    </message>
    <message>
        <source>reversal</source>
        <translation>reversal</translation>
    </message>
    <message>
        <source>Open an account</source>
        <translation>Open an account</translation>
    </message>
    <message>
        <source>Account id (e.g. A401)</source>
        <translation>Account id (e.g. A401)</translation>
    </message>
    <message>
        <source>Tenant&apos;s name</source>
        <translation>Tenant&apos;s name</translation>
    </message>
    <message>
        <source>Meter (bus/box/circuit, e.g. bus1/4/1)</source>
        <translation>Meter (bus/box/circuit, e.g. bus1/4/1)</translation>
    </message>
    <message>
        <source>Room (may be empty)</source>
        <translation>Room (may be empty)</translation>
    </message>
    <message>
        <source>Close the account</source>
        <translation>Close the account</translation>
    </message>
    <message>
        <source>Close account %1? Its meters are tripped, read a last time and what they hold is refunded.</source>
        <translation>Close account %1? Its meters are tripped, read a last time and what they hold is refunded.</translation>
    </message>
    <message>
        <source>Balance after the sale</source>
        <translation>Balance after the sale</translation>
    </message>
</context>
<context>
    <name>phil::console::LoginDialog</name>
    <message>
        <source>The session ended: sign in again</source>
        <translation>The session ended: sign in again</translation>
    </message>
    <message>
        <source>Sign in</source>
        <translation>Sign in</translation>
    </message>
    <message>
        <source>Operator</source>
        <translation>Operator</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>Password</translation>
    </message>
    <message>
        <source>prepaid-hil operator console — %1</source>
        <translation>prepaid-hil operator console — %1</translation>
    </message>
    <message>
        <source>Signing in…</source>
        <translation>Signing in…</translation>
    </message>
</context>
<context>
    <name>phil::console::MainWindow</name>
    <message>
        <source>live</source>
        <translation>live</translation>
    </message>
    <message>
        <source>reconnecting…</source>
        <translation>reconnecting…</translation>
    </message>
    <message>
        <source>prepaid-hil operator console</source>
        <translation>prepaid-hil operator console</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Language</translation>
    </message>
    <message>
        <source>Session</source>
        <translation>Session</translation>
    </message>
    <message>
        <source>Reload the board</source>
        <translation>Reload the board</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>Quit</translation>
    </message>
    <message>
        <source>Board</source>
        <translation>Board</translation>
    </message>
    <message>
        <source>Counter</source>
        <translation>Counter</translation>
    </message>
    <message>
        <source>Alarms</source>
        <translation>Alarms</translation>
    </message>
    <message>
        <source>Reports</source>
        <translation>Reports</translation>
    </message>
    <message>
        <source>Admin</source>
        <translation>Admin</translation>
    </message>
    <message>
        <source>Bench</source>
        <translation>Bench</translation>
    </message>
    <message>
        <source>Alarms (%1)</source>
        <translation>Alarms (%1)</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1 (%2)</translation>
    </message>
    <message>
        <source>connecting…</source>
        <translation>connecting…</translation>
    </message>
    <message>
        <source>Meter / account</source>
        <translation>Meter / account</translation>
    </message>
</context>
<context>
    <name>phil::console::MeterPage</name>
    <message>
        <source>Meter (bus/box/circuit, e.g. bus1/4/1) or account</source>
        <translation>Meter (bus/box/circuit, e.g. bus1/4/1) or account</translation>
    </message>
    <message>
        <source>Show</source>
        <translation>Show</translation>
    </message>
    <message>
        <source>&lt;b&gt;Meter %1&lt;/b&gt; — room %2 — account %3 — %4 — balance %5 yuan, relay %6, mode %7, power %8 W — read at %9</source>
        <translation>&lt;b&gt;Meter %1&lt;/b&gt; — room %2 — account %3 — %4 — balance %5 yuan, relay %6, mode %7, power %8 W — read at %9</translation>
    </message>
    <message>
        <source>Command</source>
        <translation>Command</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>Kind</translation>
    </message>
    <message>
        <source>Amount</source>
        <translation>Amount</translation>
    </message>
    <message>
        <source>State</source>
        <translation>State</translation>
    </message>
    <message>
        <source>Attempts</source>
        <translation>Attempts</translation>
    </message>
    <message>
        <source>Why</source>
        <translation>Why</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>Time</translation>
    </message>
    <message>
        <source>Event</source>
        <translation>Event</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>Details</translation>
    </message>
    <message>
        <source>&lt;b&gt;Account %1&lt;/b&gt;</source>
        <translation>&lt;b&gt;Account %1&lt;/b&gt;</translation>
    </message>
    <message>
        <source>&lt;b&gt;Account %1&lt;/b&gt; — %2</source>
        <translation>&lt;b&gt;Account %1&lt;/b&gt; — %2</translation>
    </message>
    <message>
        <source>Energy per day, kWh, by time-of-use rate</source>
        <translation>Energy per day, kWh, by time-of-use rate</translation>
    </message>
    <message>
        <source>Balance, yuan</source>
        <translation>Balance, yuan</translation>
    </message>
    <message>
        <source>Balance over time, yuan</source>
        <translation>Balance over time, yuan</translation>
    </message>
</context>
<context>
    <name>phil::console::ReportsPage</name>
    <message>
        <source>Sales</source>
        <translation>Sales</translation>
    </message>
    <message>
        <source>Energy</source>
        <translation>Energy</translation>
    </message>
    <message>
        <source>Daily report</source>
        <translation>Daily report</translation>
    </message>
    <message>
        <source>Offline meters</source>
        <translation>Offline meters</translation>
    </message>
    <message>
        <source>Readings</source>
        <translation>Readings</translation>
    </message>
    <message>
        <source>My shift</source>
        <translation>My shift</translation>
    </message>
    <message>
        <source>by day</source>
        <translation>by day</translation>
    </message>
    <message>
        <source>by month</source>
        <translation>by month</translation>
    </message>
    <message>
        <source>by year</source>
        <translation>by year</translation>
    </message>
    <message>
        <source>per floor</source>
        <translation>per floor</translation>
    </message>
    <message>
        <source>per building</source>
        <translation>per building</translation>
    </message>
    <message>
        <source>per account</source>
        <translation>per account</translation>
    </message>
    <message>
        <source>per meter</source>
        <translation>per meter</translation>
    </message>
    <message>
        <source>the site</source>
        <translation>the site</translation>
    </message>
    <message>
        <source>Run</source>
        <translation>Run</translation>
    </message>
    <message>
        <source>Excel…</source>
        <translation>Excel…</translation>
    </message>
    <message>
        <source>from</source>
        <translation>from</translation>
    </message>
    <message>
        <source>to</source>
        <translation>to</translation>
    </message>
    <message>
        <source>Save the report</source>
        <translation>Save the report</translation>
    </message>
    <message>
        <source>Excel (*.xlsx)</source>
        <translation>Excel (*.xlsx)</translation>
    </message>
    <message>
        <source>Sales per period, yuan</source>
        <translation>Sales per period, yuan</translation>
    </message>
    <message>
        <source>Energy, kWh, by time-of-use rate</source>
        <translation>Energy, kWh, by time-of-use rate</translation>
    </message>
    <message>
        <source>No chart for this report</source>
        <translation>No chart for this report</translation>
    </message>
</context>
</TS>
