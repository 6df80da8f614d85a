<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>Board</name>
    <message>
        <source>Not opened</source>
        <translation>未开户</translation>
    </message>
    <message>
        <source>Normal</source>
        <translation>正常</translation>
    </message>
    <message>
        <source>Alarm 1</source>
        <translation>报警1</translation>
    </message>
    <message>
        <source>Alarm 2</source>
        <translation>报警2</translation>
    </message>
    <message>
        <source>Arrears</source>
        <translation>欠费</translation>
    </message>
    <message>
        <source>Offline</source>
        <translation>失联</translation>
    </message>
</context>
<context>
    <name>phil::console::AdminPage</name>
    <message>
        <source>Add an operator…</source>
        <translation>添加操作员…</translation>
    </message>
    <message>
        <source>Change the role…</source>
        <translation>修改角色…</translation>
    </message>
    <message>
        <source>Disable</source>
        <translation>停用</translation>
    </message>
    <message>
        <source>Operators</source>
        <translation>操作员</translation>
    </message>
    <message>
        <source>Tariffs</source>
        <translation>电价</translation>
    </message>
    <message>
        <source>Check the chain</source>
        <translation>校验日志链</translation>
    </message>
    <message>
        <source>System log</source>
        <translation>系统日志</translation>
    </message>
    <message>
        <source>Id</source>
        <translation>账号</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>角色</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>创建时间</translation>
    </message>
    <message>
        <source>Disabled</source>
        <translation>停用时间</translation>
    </message>
    <message>
        <source>Failed logins</source>
        <translation>登录失败次数</translation>
    </message>
    <message>
        <source>Tariff</source>
        <translation>电价</translation>
    </message>
    <message>
        <source>No.</source>
        <translation>编号</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Operator</source>
        <translation>操作员</translation>
    </message>
    <message>
        <source>Action</source>
        <translation>操作</translation>
    </message>
    <message>
        <source>Target</source>
        <translation>对象</translation>
    </message>
    <message>
        <source>Outcome</source>
        <translation>结果</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>详情</translation>
    </message>
    <message>
        <source>The chain is intact: %1 rows, %2 ledger entries; head %3 %4</source>
        <translation>日志链完整：%1 条记录，%2 条账目；链头 %3 %4</translation>
    </message>
    <message>
        <source>The chain is BROKEN: %1</source>
        <translation>日志链已被破坏：%1</translation>
    </message>
    <message>
        <source>Add an operator</source>
        <translation>添加操作员</translation>
    </message>
    <message>
        <source>Login id</source>
        <translation>登录账号</translation>
    </message>
    <message>
        <source>First password (at least 10 characters)</source>
        <translation>初始密码（至少 10 个字符）</translation>
    </message>
    <message>
        <source>Change the role</source>
        <translation>修改角色</translation>
    </message>
    <message>
        <source>New role of %1</source>
        <translation>%1 的新角色</translation>
    </message>
    <message>
        <source>Disable %1 for good?</source>
        <translation>永久停用 %1？</translation>
    </message>
</context>
<context>
    <name>phil::console::AlarmsPage</name>
    <message>
        <source>History (cleared and acknowledged too)</source>
        <translation>历史（含已解除和已确认）</translation>
    </message>
    <message>
        <source>Sound for new alarms</source>
        <translation>新报警时发声</translation>
    </message>
    <message>
        <source>Acknowledge</source>
        <translation>确认报警</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <source>No.</source>
        <translation>编号</translation>
    </message>
    <message>
        <source>Raised</source>
        <translation>发生时间</translation>
    </message>
    <message>
        <source>Alarm</source>
        <translation>报警</translation>
    </message>
    <message>
        <source>Where</source>
        <translation>位置</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>详情</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Acknowledged</source>
        <translation>已确认</translation>
    </message>
    <message>
        <source>active</source>
        <translation>未解除</translation>
    </message>
    <message>
        <source>cleared %1</source>
        <translation>已解除 %1</translation>
    </message>
    <message>
        <source>%1 at %2</source>
        <translation>%1 于 %2</translation>
    </message>
    <message>
        <source>New alarm: %1 at %2</source>
        <translation>新报警：%1，位置 %2</translation>
    </message>
</context>
<context>
    <name>phil::console::ApiClient</name>
    <message>
        <source>No answer from %1: %2</source>
        <translation>%1 无应答：%2</translation>
    </message>
    <message>
        <source>The server answered %1</source>
        <translation>服务器返回 %1</translation>
    </message>
</context>
<context>
    <name>phil::console::BenchPanel</name>
    <message>
        <source>Bus</source>
        <translation>总线</translation>
    </message>
    <message>
        <source>Box address</source>
        <translation>表箱地址</translation>
    </message>
    <message>
        <source>For</source>
        <translation>持续</translation>
    </message>
    <message>
        <source>Box silent</source>
        <translation>表箱无应答</translation>
    </message>
    <message>
        <source>CRC errors</source>
        <translation>CRC 错误</translation>
    </message>
    <message>
        <source>Power loss</source>
        <translation>断电</translation>
    </message>
    <message>
        <source>Drop replies</source>
        <translation>丢弃应答</translation>
    </message>
    <message>
        <source>Clear every fault</source>
        <translation>清除全部故障</translation>
    </message>
    <message>
        <source>Fleet status</source>
        <translation>仿真表群状态</translation>
    </message>
    <message>
        <source>Circuit</source>
        <translation>回路</translation>
    </message>
    <message>
        <source>Load (W)</source>
        <translation>负载（W）</translation>
    </message>
    <message>
        <source>Set load</source>
        <translation>设置负载</translation>
    </message>
    <message>
        <source>Show meter</source>
        <translation>查看电表</translation>
    </message>
    <message>
        <source>The virtual fleet (adf300-sim ctl): change a circuit&apos;s load or inject a fault, and watch the board react.</source>
        <translation>虚拟电表群（adf300-sim ctl）：改变回路负载或注入故障，在看板上观察系统的反应。</translation>
    </message>
</context>
<context>
    <name>phil::console::BoardPage</name>
    <message>
        <source>Search: room, tenant, account or meter</source>
        <translation>搜索：房间、租户、账户或电表</translation>
    </message>
    <message>
        <source>Floor</source>
        <translation>楼层</translation>
    </message>
    <message>
        <source>Select all shown</source>
        <translation>全选显示的</translation>
    </message>
    <message>
        <source>Clear selection</source>
        <translation>清除选择</translation>
    </message>
    <message>
        <source>Trip</source>
        <translation>拉闸</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>合闸</translation>
    </message>
    <message>
        <source>Keep power</source>
        <translation>保电</translation>
    </message>
    <message>
        <source>Restore prepaid</source>
        <translation>恢复预付费</translation>
    </message>
    <message>
        <source>Preview and send…</source>
        <translation>预览并下发…</translation>
    </message>
    <message numerus="yes">
        <source>%n meter(s) selected</source>
        <translation>
            <numerusform>已选 %n 块电表</numerusform>
        </translation>
    </message>
    <message>
        <source>All floors</source>
        <translation>全部楼层</translation>
    </message>
    <message>
        <source>Batch command: preview</source>
        <translation>批量命令：预览</translation>
    </message>
    <message>
        <source>Asking the server what the command would do…</source>
        <translation>正在向服务器查询命令的执行效果…</translation>
    </message>
    <message>
        <source>Send to these meters</source>
        <translation>下发到这些电表</translation>
    </message>
    <message>
        <source>%1 — %2 meter(s), %3 refused. Send it?</source>
        <translation>%1 — %2 块电表，%3 块被拒。确定下发？</translation>
    </message>
    <message>
        <source>Batch command</source>
        <translation>批量命令</translation>
    </message>
    <message>
        <source>queued</source>
        <translation>已排队</translation>
    </message>
    <message>
        <source>✓ done</source>
        <translation>✓ 完成</translation>
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
        <translation>%1 · %2 层 · 表箱 %3/%4</translation>
    </message>
    <message>
        <source>not placed · box %1/%2</source>
        <translation>未定位 · 表箱 %1/%2</translation>
    </message>
</context>
<context>
    <name>phil::console::CounterPage</name>
    <message>
        <source>Account, room or tenant</source>
        <translation>账户、房间或租户</translation>
    </message>
    <message>
        <source>Find</source>
        <translation>查找</translation>
    </message>
    <message>
        <source>No account shown: find one above.</source>
        <translation>尚未显示账户：请在上方查找。</translation>
    </message>
    <message>
        <source>Amount, yuan (e.g. 50.00)</source>
        <translation>金额，元（如 50.00）</translation>
    </message>
    <message>
        <source>Sale</source>
        <translation>售电</translation>
    </message>
    <message>
        <source>Refund</source>
        <translation>退电</translation>
    </message>
    <message>
        <source>Reverse the selected sale</source>
        <translation>冲正所选售电</translation>
    </message>
    <message>
        <source>Receipt (PDF)…</source>
        <translation>收据（PDF）…</translation>
    </message>
    <message>
        <source>Open an account…</source>
        <translation>开户…</translation>
    </message>
    <message>
        <source>Close this account…</source>
        <translation>销户…</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Account</source>
        <translation>账户</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Amount</source>
        <translation>金额</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>The account&apos;s ledger</source>
        <translation>账户流水</translation>
    </message>
    <message>
        <source>This counter&apos;s transactions</source>
        <translation>本柜台的交易</translation>
    </message>
    <message>
        <source>Save the receipt</source>
        <translation>保存收据</translation>
    </message>
    <message>
        <source>PDF (*.pdf)</source>
        <translation>PDF (*.pdf)</translation>
    </message>
    <message>
        <source>Receipt</source>
        <translation>收据</translation>
    </message>
    <message>
        <source>The receipt could not be written to %1</source>
        <translation>收据无法写入 %1</translation>
    </message>
    <message>
        <source>yuan</source>
        <translation>元</translation>
    </message>
    <message>
        <source>&lt;b&gt;%1&lt;/b&gt; — %2, room %3, phone %4&lt;br&gt;balance &lt;b&gt;%5 yuan&lt;/b&gt; on the meter(s): %6%7</source>
        <translation>&lt;b&gt;%1&lt;/b&gt; — %2，房间 %3，电话 %4&lt;br&gt;余额 &lt;b&gt;%5 元&lt;/b&gt;，电表：%6%7</translation>
    </message>
    <message>
        <source>&lt;br&gt;&lt;b&gt;closed&lt;/b&gt; %1</source>
        <translation>&lt;br&gt;&lt;b&gt;已销户&lt;/b&gt; %1</translation>
    </message>
    <message>
        <source>Entry</source>
        <translation>流水号</translation>
    </message>
    <message>
        <source>Meter</source>
        <translation>电表</translation>
    </message>
    <message>
        <source>Operator</source>
        <translation>操作员</translation>
    </message>
    <message>
        <source>Log entry</source>
        <translation>日志编号</translation>
    </message>
    <message>
        <source>Enter an amount in yuan with at most 2 decimals, e.g. 50.00</source>
        <translation>请输入金额（元，最多两位小数），如 50.00</translation>
    </message>
    <message>
        <source>%1 of %2 yuan to %3: that is more than %4 yuan. Is the amount right?</source>
        <translation>%3 %1 %2 元：超过 %4 元。金额是否正确？</translation>
    </message>
    <message>
        <source>sale</source>
        <translation>售电</translation>
    </message>
    <message>
        <source>pending</source>
        <translation>待确认</translation>
    </message>
    <message>
        <source>confirmed by the meter</source>
        <translation>电表已确认</translation>
    </message>
    <message>
        <source>failed: %1</source>
        <translation>失败：%1</translation>
    </message>
    <message>
        <source>Tenant</source>
        <translation>租户</translation>
    </message>
    <message>
        <source>Room</source>
        <translation>房间</translation>
    </message>
    <message>
        <source>Ledger entry</source>
        <translation>流水号</translation>
    </message>
    <message>
        <source>System log entry</source>
        <translation>系统日志编号</translation>
    </message>
    <message>
        <source>Electricity sale receipt</source>
        <translation>售电收据</translation>
    </message>
    <message>
        <source>refund</source>
        <translation>退电</translation>
    </message>
    <message>
        <source>pending: the meter gives it up first</source>
        <translation>待确认：先由电表扣回</translation>
    </message>
    <message>
        <source>confirmed</source>
        <translation>已确认</translation>
    </message>
    <message>
        <source>Reversal</source>
        <translation>冲正</translation>
    </message>
    <message>
        <source>Select the sale to reverse in the ledger.</source>
        <translation>请在流水中选择要冲正的售电。</translation>
    </message>
    <message>
        <source>Only a sale can be reversed.</source>
        <translation>只有售电可以冲正。</translation>
    </message>
    <message>
        <source>Reverse sale %1?</source>
        <translation>冲正售电 %1？</translation>
    </message>
    <message>
        <source>reversal</source>
        <translation>冲正</translation>
    </message>
    <message>
        <source>Open an account</source>
        <translation>开户</translation>
    </message>
    <message>
        <source>Account id (e.g. A401)</source>
        <translation>账户号（如 A401）</translation>
    </message>
    <message>
        <source>Tenant&apos;s name</source>
        <translation>租户姓名</translation>
    </message>
    <message>
        <source>Meter (bus/box/circuit, e.g. bus1/4/1)</source>
        <translation>电表（总线/表箱/回路，如 bus1/4/1）</translation>
    </message>
    <message>
        <source>Room (may be empty)</source>
        <translation>房间（可为空）</translation>
    </message>
    <message>
        <source>Close the account</source>
        <translation>销户</translation>
    </message>
    <message>
        <source>Close account %1? Its meters are tripped, read a last time and what they hold is refunded.</source>
        <translation>销户 %1？其电表将拉闸、最后抄表一次，表内余额退还。</translation>
    </message>
    <message>
        <source>Balance after the sale</source>
        <translation>售电后余额</translation>
    </message>
</context>
<context>
    <name>phil::console::LoginDialog</name>
    <message>
        <source>The session ended: sign in again</source>
        <translation>会话已结束：请重新登录</translation>
    </message>
    <message>
        <source>Sign in</source>
        <translation>登录</translation>
    </message>
    <message>
        <source>Operator</source>
        <translation>操作员</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <source>prepaid-hil operator console — %1</source>
        <translation>prepaid-hil 操作员控制台 — %1</translation>
    </message>
    <message>
        <source>Signing in…</source>
        <translation>正在登录…</translation>
    </message>
</context>
<context>
    <name>phil::console::MainWindow</name>
    <message>
        <source>live</source>
        <translation>实时</translation>
    </message>
    <message>
        <source>reconnecting…</source>
        <translation>正在重连…</translation>
    </message>
    <message>
        <source>prepaid-hil operator console</source>
        <translation>prepaid-hil 操作员控制台</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <source>Session</source>
        <translation>会话</translation>
    </message>
    <message>
        <source>Reload the board</source>
        <translation>刷新状态看板</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
    <message>
        <source>Board</source>
        <translation>状态看板</translation>
    </message>
    <message>
        <source>Counter</source>
        <translation>售电</translation>
    </message>
    <message>
        <source>Alarms</source>
        <translation>报警</translation>
    </message>
    <message>
        <source>Reports</source>
        <translation>报表</translation>
    </message>
    <message>
        <source>Admin</source>
        <translation>管理</translation>
    </message>
    <message>
        <source>Bench</source>
        <translation>仿真台</translation>
    </message>
    <message>
        <source>Alarms (%1)</source>
        <translation>报警（%1）</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1（%2）</translation>
    </message>
    <message>
        <source>connecting…</source>
        <translation>正在连接…</translation>
    </message>
    <message>
        <source>Meter / account</source>
        <translation>电表与账户</translation>
    </message>
</context>
<context>
    <name>phil::console::MeterPage</name>
    <message>
        <source>Meter (bus/box/circuit, e.g. bus1/4/1) or account</source>
        <translation>电表（总线/表箱/回路，例如 bus1/4/1）或账户</translation>
    </message>
    <message>
        <source>Show</source>
        <translation>查看</translation>
    </message>
    <message>
        <source>&lt;b&gt;Meter %1&lt;/b&gt; — room %2 — account %3 — %4 — balance %5 yuan, relay %6, mode %7, power %8 W — read at %9</source>
        <translation>&lt;b&gt;电表 %1&lt;/b&gt; — 房间 %2 — 账户 %3 — %4 — 余额 %5 元，继电器 %6，模式 %7，功率 %8 W — 抄读于 %9</translation>
    </message>
    <message>
        <source>Command</source>
        <translation>命令</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Amount</source>
        <translation>金额</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Attempts</source>
        <translation>尝试次数</translation>
    </message>
    <message>
        <source>Why</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Event</source>
        <translation>事件</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>详情</translation>
    </message>
    <message>
        <source>&lt;b&gt;Account %1&lt;/b&gt;</source>
        <translation>&lt;b&gt;账户 %1&lt;/b&gt;</translation>
    </message>
    <message>
        <source>&lt;b&gt;Account %1&lt;/b&gt; — %2</source>
        <translation>&lt;b&gt;账户 %1&lt;/b&gt; — %2</translation>
    </message>
    <message>
        <source>Energy per day, kWh, by time-of-use rate</source>
        <translation>每日用电量（kWh），按分时费率</translation>
    </message>
    <message>
        <source>Balance, yuan</source>
        <translation>余额（元）</translation>
    </message>
    <message>
        <source>Balance over time, yuan</source>
        <translation>余额变化（元）</translation>
    </message>
</context>
<context>
    <name>phil::console::ReportsPage</name>
    <message>
        <source>Sales</source>
        <translation>售电</translation>
    </message>
    <message>
        <source>Energy</source>
        <translation>用电量</translation>
    </message>
    <message>
        <source>Daily report</source>
        <translation>日报</translation>
    </message>
    <message>
        <source>Offline meters</source>
        <translation>失联电表</translation>
    </message>
    <message>
        <source>Readings</source>
        <translation>抄表</translation>
    </message>
    <message>
        <source>My shift</source>
        <translation>我的交班</translation>
    </message>
    <message>
        <source>by day</source>
        <translation>按日</translation>
    </message>
    <message>
        <source>by month</source>
        <translation>按月</translation>
    </message>
    <message>
        <source>by year</source>
        <translation>按年</translation>
    </message>
    <message>
        <source>per floor</source>
        <translation>按楼层</translation>
    </message>
    <message>
        <source>per building</source>
        <translation>按楼栋</translation>
    </message>
    <message>
        <source>per account</source>
        <translation>按账户</translation>
    </message>
    <message>
        <source>per meter</source>
        <translation>按电表</translation>
    </message>
    <message>
        <source>the site</source>
        <translation>全站</translation>
    </message>
    <message>
        <source>Run</source>
        <translation>查询</translation>
    </message>
    <message>
        <source>Excel…</source>
        <translation>Excel…</translation>
    </message>
    <message>
        <source>from</source>
        <translation>从</translation>
    </message>
    <message>
        <source>to</source>
        <translation>到</translation>
    </message>
    <message>
        <source>Save the report</source>
        <translation>保存报表</translation>
    </message>
    <message>
        <source>Excel (*.xlsx)</source>
        <translation>Excel (*.xlsx)</translation>
    </message>
    <message>
        <source>Sales per period, yuan</source>
        <translation>各期售电，元</translation>
    </message>
    <message>
        <source>Energy, kWh, by time-of-use rate</source>
        <translation>用电量，kWh，按分时费率</translation>
    </message>
    <message>
        <source>No chart for this report</source>
        <translation>此报表无图表</translation>
    </message>
</context>
</TS>
