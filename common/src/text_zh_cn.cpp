// The zh_CN catalogue: the language of the site's people (物业, 电工). One pattern per id of
// phil::text::Id with the placeholders of the English one (text.cpp); the catalogue test checks it.
#include "text_catalogues.hpp"

namespace phil::text {

std::string_view pattern_zh_cn(Id id) {
  switch (id) {
    case Id::kYamlSyntax:
      return "YAML 语法错误：{0}。请修正此处的语法";
    case Id::kYamlUnknownKey:
      return "未知的键“{0}”；此处允许：{1}。请删除它或更正拼写";
    case Id::kYamlMissingKey:
      return "缺少必需的键“{0}”。请添加";
    case Id::kYamlWrongType:
      return "应为{0}，实际为{1}。请更正该值";
    case Id::kYamlOutOfRange:
      return "值 {0} 超出范围 [{1}, {2}]。请使用范围内的值";
    case Id::kYamlBadValue:
      return "无效的值“{0}”；应为{1}";
    case Id::kYamlCannotOpen:
      return "无法读取文件（{0}）。请检查路径";
    case Id::kYamlDuplicate:
      return "重复的{0}。只保留一个";
    case Id::kYamlSeveralDocuments:
      return "第 {0} 行开始了第二个 YAML 文档；每个文件只读取一个文档"
             "。请删除它（及其“---”）或将其放入单独的文件";
    case Id::kYamlNotText:
      return "这不是文本文件（第 {1} 行第 {2} 列：{0}）；应为 YAML 文件"
             "。请检查路径是否指向正确的文件";
    case Id::kTextInvalidUtf8:
      return "不是 UTF-8 的字节 0x{0}";
    case Id::kTextControlChar:
      return "控制字符 U+{0}";
    case Id::kUnknownModel:
      return "未知型号“{0}”；设备描述文件中定义的型号：{1}。请更"
             "正型号名称";
    case Id::kCircuitOutOfModel:
      return "型号 {1} 上没有回路 {0}（回路 1..{2}）。请使用范围内的回"
             "路";
    case Id::kNoProfiles:
      return "在 {0} 中未找到设备描述文件（*.yaml）。请用 --profiles 指向"
             " profiles 目录";
    case Id::kCannotReadDir:
      return "无法读取目录（{0}）。请检查路径";
    case Id::kAmountOverLimit:
      return "{0}金额 {1} 元超过单笔{0}上限（最多 {2} 元，站点文件的 m"
             "ax_amount）；{3}";
    case Id::kCreditOverRegister:
      return "{0} {1} 元无法充入电表 {2}：{3}；未写入任何内容";
    case Id::kDebitNotPossible:
      return "{0} {1} 元无法从保存账户余额的电表 {2} 中扣除：{3}；未写"
             "入任何内容";
    case Id::kBalanceOverRegister:
      return "{0} {1} 元将使电表 {2} 的余额变为 {3} 元（上次读数 {4}，待"
             "充值 {5}），超出其余额寄存器可存的 {6} 元；当前最多可"
             "充 {7} 元，未写入任何内容";
    case Id::kTransferOverRegister:
      return "转移的 {0} 元无法充入电表 {1}：其购电金额和余额寄存器"
             "当前最多可存 {2} 元；未写入任何内容";
    case Id::kCommandNotEncodable:
      return "发往 {1} 的{0}命令被拒绝：{2}；请给出电表可存储的值，未"
             "排队任何命令";
    case Id::kCloseAtZero:
      return "拒绝合闸电表 {0}：余额 {1}：请先售电，或使用保电（keep"
             "-power）";
    case Id::kCloseAwaitingCredit:
      return "拒绝合闸电表 {0}：余额 {1}，且 {2} 元充值仍在下发中：请"
             "在确认后再合闸，或使用保电（keep-power）";
    case Id::kCloseRelayHeldAtZero:
      return "电表 {0} 在余额 {1} 时保持继电器断开：请先售电，或使用"
             "保电（keep-power）";
    case Id::kOnMeterUnknown:
      return "尚未知（未读回下发结果）：{0}";
    case Id::kOnMeterDiffers:
      return "与存储的值不同：{0}";
    case Id::kSettingsDownloadQueued:
      return "已排队下发（命令 {0}）；见 command status";
    case Id::kSettingsDownloadMissing:
      return "未排队任何下发；请用 {0} 发送存储的值";
    case Id::kNoTariffInForce:
      return "未分配（按站点文件的站点电价计费）；请用 prepaidctl tar"
             "iff assign 分配";
    case Id::kTariffTiered:
      return "阶梯电价：电表无法执行，由系统计费（主站计费）";
    case Id::kRegisterEmptying:
      return "自 {1} 起由账本保存资金（{0}）；正在清空电表的余额寄存"
             "器：{2}";
    case Id::kRegisterEmptied:
      return "已清空：于 {1} 扣除 {0} 元；账本保存账户资金";
    case Id::kRegisterNotEmptied:
      return "未清空：{0}";
    case Id::kLoginRefused:
      return "操作员 {0} 不存在或密码错误";
    case Id::kLoginLocked:
      return "操作员 {0} 连续 {2} 次登录失败，锁定至 {1}；请等待，或请"
             "管理员重设密码";
    case Id::kLoginDisabled:
      return "操作员 {0} 已停用；请联系管理员";
    case Id::kActorWithoutRole:
      return "{0} 没有角色：每项操作都需要已登录操作员的角色（prepa"
             "idctl login）";
    case Id::kSessionUnknown:
      return "此数据库不认识该会话；请用 prepaidctl login 重新登录";
    case Id::kSessionEnded:
      return "操作员 {0} 的会话已结束（{1}）；请用 prepaidctl login 重新登"
             "录";
    case Id::kNotLoggedIn:
      return "未登录 {0}：请运行 prepaidctl login，或用 --password-file 文件 "
             "或环境变量 PHIL_PASSWORD 提供密码";
    case Id::kSecretFileOpen:
      return "{0} 可被他人读取（权限 {1}）；{2}";
    case Id::kSecretFileOwner:
      return "{0} 属于其他用户，不予使用。请重新登录";
    case Id::kPasswordsDiffer:
      return "两次输入的密码不同；未做任何更改";
    case Id::kGeneratedPassword:
      return "{0} 的密码（只显示一次，请妥善保管）：{1}";
    case Id::kActionNeedsRole:
      return "{0}（{1}）无权{2}：需要角色 {3}；请由具有该角色的操作员"
             "执行";
    case Id::kRegisterFilling:
      return "自 {1} 起恢复为表端计费（{0}）：正在将账本资金写入电表"
             "（已写入 {3} 元）：{2}";
    case Id::kRegisterFilled:
      return "已恢复表端计费：于 {1} 将 {0} 元写入电表；由电表保存账"
             "户资金";
    case Id::kRegisterNotFilled:
      return "仍为主站计费，恢复过程已停止：{0}";
    case Id::kPricesUnknown:
      return "尚未知（未读回电价下发）；请用 prepaidctl command price 发送";
    case Id::kPricesDiffer:
      return "与存储的电价不同：电表按其他电价扣费；请用 prepaidctl "
             "command price 发送存储的电价";
    case Id::kPriceIsOwnTariff:
      return "电表 {0} 从电表读回起按这些电价计费：其专用电价现为 "
             "{1}（prepaidctl tariff list）";
    case Id::kSwapActionRequired:
      return "需要处理：现场发现新设备（{0}）；{1}：{2}";
    case Id::kSwapMovesBalance:
      return "旧设备的最后余额 {0} 元将充入新设备";
    case Id::kSwapMovesNothing:
      return "电表上没有需要转移的资金；请确认即可";
    case Id::kBoxBillingStopped:
      return "表箱 {0} 不是站点文件所配置的表箱（自 {1} 起）：{2}；已"
             "停止计费（不计费、不下发充值或扣款），直到确认：pre"
             "paidctl box confirm {0}";
    case Id::kBoxConfirmed:
      return "表箱 {0} 已按其自报信息确认（型号代码 {1}，{2} 个回路）"
             "；其电表继续计费";
    case Id::kBadTimeArg:
      return "{0}“{1}”不是带时区偏移的时间；请写成例如 2026-04-01T00:00:00+08:00";
    case Id::kBoardMeter:
      return "电表";
    case Id::kBoardRoom:
      return "房间";
    case Id::kBoardAccount:
      return "账户";
    case Id::kBoardTenant:
      return "户主";
    case Id::kBoardStatus:
      return "状态";
    case Id::kBoardBalance:
      return "余额(元)";
    case Id::kBoardRelay:
      return "继电器";
    case Id::kBoardMode:
      return "模式";
    case Id::kBoardReadAt:
      return "最后抄表";
    case Id::kBoardAge:
      return "距今";
    case Id::kBoardAction:
      return "需处理事项";
    case Id::kBoardBuilding:
      return "楼栋 {0}";
    case Id::kBoardNoBuilding:
      return "未分配楼栋";
    case Id::kBoardFloor:
      return "{0} 层";
    case Id::kBoardNoFloor:
      return "未分配楼层";
    case Id::kBoardBox:
      return "表箱 {0}";
    case Id::kStatusNormal:
      return "正常";
    case Id::kStatusAlarm1:
      return "报警1";
    case Id::kStatusAlarm2:
      return "报警2";
    case Id::kStatusArrears:
      return "欠费";
    case Id::kStatusNotOpened:
      return "未开户";
    case Id::kStatusOffline:
      return "失联";
    case Id::kRelayClosed:
      return "合闸";
    case Id::kRelayOpen:
      return "跳闸";
    case Id::kModePrepaid:
      return "预付费";
    case Id::kModeKeepPower:
      return "保电";
    case Id::kModeForcedOff:
      return "强制拉闸";
    case Id::kModeUnknown:
      return "未知";
    case Id::kNeverRead:
      return "未抄表";
    case Id::kAgeMinutes:
      return "{0} 分钟";
    case Id::kAgeHours:
      return "{0} 小时 {1} 分钟";
    case Id::kAgeDays:
      return "{0} 天 {1} 小时";
    case Id::kBoardLegend:
      return "图例：{0}";
    case Id::kBoardCounts:
      return "共 {0} 块电表：{1}";
    case Id::kBoardEmpty:
      return "没有符合条件的电表";
    case Id::kActionMeterSwapped:
      return "现场已换表：请执行 {0}";
    case Id::kActionBoxStopped:
      return "表箱已停止计费：请执行 {0}";
    case Id::kActionBalanceMismatch:
      return "余额不符 {0} 元：请核对账户";
    case Id::kAlarmKindAlarm1:
      return "余额报警1";
    case Id::kAlarmKindAlarm2:
      return "余额报警2";
    case Id::kAlarmKindArrears:
      return "欠费";
    case Id::kAlarmKindOverloadTrip:
      return "过载跳闸";
    case Id::kAlarmKindMeterOffline:
      return "电表失联";
    case Id::kAlarmKindBoxOffline:
      return "计量箱失联";
    case Id::kAlarmKindBusOffline:
      return "通讯管理机失联";
    case Id::kAlarmKindRelayMismatch:
      return "继电器状态不符";
    case Id::kAlarmKindBalanceMismatch:
      return "余额不符";
    case Id::kAlarmKindClockDrift:
      return "时钟偏差";
    case Id::kAlarmKindMeterSwapped:
      return "现场换表";
    case Id::kAlarmKindCommandFailed:
      return "命令失败";
    case Id::kAlarmKindStatusBits:
      return "设备状态不符";
    case Id::kAlarmId:
      return "编号";
    case Id::kAlarmKind:
      return "类型";
    case Id::kAlarmTarget:
      return "对象";
    case Id::kAlarmRaised:
      return "发生时间";
    case Id::kAlarmCleared:
      return "恢复时间";
    case Id::kAlarmAcked:
      return "确认";
    case Id::kAlarmActive:
      return "未恢复";
    case Id::kAlarmAccount:
      return "账户 {0}";
    case Id::kAlarmNone:
      return "没有符合条件的报警";
    case Id::kAlarmCounts:
      return "共 {0} 条报警，{1} 条未恢复";
    case Id::kAlarmAckedBy:
      return "报警 {0}（{1}，{2}）已由 {3} 于 {4} 确认";
    case Id::kAlarmUnknown:
      return "没有编号为 {0} 的报警；请用 prepaidctl alarm list 查看编号";
    case Id::kAlarmAckedAlready:
      return "报警 {0} 已由 {1} 于 {2} 确认过；未作任何更改";
    case Id::kAlarmBadKind:
      return "--kind \"{0}\" 不是报警类型；请给出以下之一：{1}";
    case Id::kAlarmBadTarget:
      return "--meter \"{0}\" 不是电表、计量箱或总线；请写成 BUS/BOX/CIRCUIT（如 "
             "bus1/3/12）、BUS/BOX 或 BUS";
    case Id::kAlarmBadId:
      return "报警编号 \"{0}\" 不是数字；请用 prepaidctl alarm list 查看编号";
    case Id::kOfflineWent:
      return "失联时间";
    case Id::kOfflineBack:
      return "恢复时间";
    case Id::kOfflineFor:
      return "时长";
    case Id::kOfflineStill:
      return "仍失联";
    case Id::kOfflineTotal:
      return "{0}（{1}）：失联 {2} 次，共 {3}";
    case Id::kOfflineNone:
      return "该时段内没有失联";
    case Id::kOfflinePeriod:
      return "失联报表 {0} 至 {1}";
    case Id::kOfflineBadPeriod:
      return "时段 {0} 至 {1} 为空：--from 必须早于 --to";
    case Id::kScenarioPassed:
      return "通过";
    case Id::kScenarioFailed:
      return "失败";
    case Id::kReportWritten:
      return "报告：{0}";
    case Id::kReportEmptyPeriod:
      return "报表时段为空：--from {0} 不早于 --to {1}；请给出早于 --to 的 --from";
    case Id::kShiftOtherCashier:
      return "{0} 只能查看自己的交班报表，不能查看 {1} 的；其他收费员的报表请由经理或审计员查看";
    case Id::kReportNoAccount:
      return "账户 {0} 不存在；请核对账户号";
    case Id::kBadReportChoice:
      return "{0}“{1}”不是 {2} 之一；请从中选择";
    case Id::kRollupsRebuilt:
      return "报表日汇总已由 {0} 条抄表记录和 {1} 笔扣费重建";
    case Id::kXlsxFailed:
      return "无法写入工作簿 {0}：{1}；请检查目录存在且可写";
    case Id::kReportSales:
      return "售电报表";
    case Id::kReportShift:
      return "{0} 交班报表";
    case Id::kReportEnergy:
      return "用电量报表（按{0}）";
    case Id::kReportReadings:
      return "抄表导出";
    case Id::kReportAlarms:
      return "报警记录";
    case Id::kReportOffline:
      return "离线表计与通讯管理机";
    case Id::kColOfflineMinutes:
      return "离线时长(分钟)";
    case Id::kReportStatement:
      return "账户 {0} 对账单";
    case Id::kReportStatementUse:
      return "账户 {0} 每日用电";
    case Id::kReportDaily:
      return "日报 {0}";
    case Id::kReportPeriod:
      return "时段：{0} 至 {1}";
    case Id::kReportAsOf:
      return "状态截至 {0}";
    case Id::kReportMadeAt:
      return "制表时间：{0}";
    case Id::kReportTotal:
      return "合计";
    case Id::kColPeriod:
      return "时段";
    case Id::kColCashier:
      return "收费员";
    case Id::kColSale:
      return "售电(元)";
    case Id::kColRefund:
      return "退电(元)";
    case Id::kColReversal:
      return "冲正(元)";
    case Id::kColPending:
      return "待确认(元)";
    case Id::kColNet:
      return "净额(元)";
    case Id::kColCount:
      return "笔数";
    case Id::kColGroup:
      return "分组";
    case Id::kColSharp:
      return "尖(kWh)";
    case Id::kColPeak:
      return "峰(kWh)";
    case Id::kColFlat:
      return "平(kWh)";
    case Id::kColValley:
      return "谷(kWh)";
    case Id::kColEnergy:
      return "电量(kWh)";
    case Id::kColCharge:
      return "电费(元)";
    case Id::kColTime:
      return "时间";
    case Id::kColEntry:
      return "流水号";
    case Id::kColKind:
      return "类型";
    case Id::kColAmount:
      return "金额(元)";
    case Id::kColBalanceAfter:
      return "余额(元)";
    case Id::kColOperator:
      return "操作员";
    case Id::kColEnergyRegister:
      return "电能示值(kWh)";
    case Id::kColItem:
      return "项目";
    case Id::kColValue:
      return "数值";
    case Id::kDailySales:
      return "售电";
    case Id::kDailyRefunds:
      return "退电";
    case Id::kDailyReversals:
      return "冲正";
    case Id::kDailyPending:
      return "待确认退款";
    case Id::kDailyEnergy:
      return "用电量";
    case Id::kDailyCharges:
      return "电费";
    case Id::kDailyLogSeq:
      return "系统日志链头：序号";
    case Id::kDailyLogHash:
      return "系统日志链头：哈希";
    case Id::kGroupMeter:
      return "电表";
    case Id::kGroupAccount:
      return "账户";
    case Id::kGroupFloor:
      return "楼层";
    case Id::kGroupBuilding:
      return "楼栋";
    case Id::kGroupSite:
      return "站点";
    case Id::kBatchPreview:
      return "{0}({1}),共 {2} 块电表;其中 {3} 块未通过检查";
    case Id::kBatchMore:
      return "……另有 {0} 块";
    case Id::kBatchConfirm:
      return "确认向 {1} 块电表下发{0}?输入 yes 确认:";
    case Id::kBatchNotConfirmed:
      return "未下发:未确认(在提问处输入 yes,脚本中请加 --yes;--dry-run 只显示预览)";
    case Id::kBatchNothingToSend:
      return "未下发:所选电表均未通过检查";
    case Id::kBatchSent:
      return "批次 #{0}:{1}已为 {2} 块电表排队,{3} 块被拒;查看进度:prepaidctl command status "
             "--batch {0}";
    case Id::kBatchProgress:
      return "批次 #{0}:{1} 块电表:{2} 已确认,{3} 待执行,{4} 失败,{5} 已被取代,{6} 被拒";
    case Id::kBatchDone:
      return "已完成";
    case Id::kBatchRunning:
      return "进行中";
    case Id::kBatchNone:
      return "尚无批量命令";
    case Id::kBatchSelectionAll:
      return "全部电表";
    case Id::kBatchSelectionFile:
      return "电表清单文件 {0}";
    case Id::kReportBatch:
      return "批量命令 #{0}:{1}({2})";
    case Id::kReportBatchPlan:
      return "批量命令预览:{0}({1})";
    case Id::kReportBatches:
      return "批量命令";
    case Id::kColBatch:
      return "批次";
    case Id::kColCommand:
      return "命令号";
    case Id::kColState:
      return "状态";
    case Id::kColAttempts:
      return "尝试次数";
    case Id::kColResult:
      return "结果";
    case Id::kColUpdated:
      return "更新时间";
    case Id::kColSelection:
      return "选择条件";
    case Id::kColMembers:
      return "电表数";
    case Id::kColConfirmed:
      return "已确认";
    case Id::kColOpen:
      return "待执行";
    case Id::kColFailed:
      return "失败";
    case Id::kColRefused:
      return "被拒";
    case Id::kCommandPending:
      return "待发送";
    case Id::kCommandInFlight:
      return "发送中";
    case Id::kCommandConfirmed:
      return "已确认";
    case Id::kCommandFailed:
      return "失败";
    case Id::kCommandSuperseded:
      return "已被取代";
    case Id::kCommandRefused:
      return "被拒";
    case Id::kCommandTrip:
      return "拉闸";
    case Id::kCommandClose:
      return "合闸";
    case Id::kCommandKeepPower:
      return "保电";
    case Id::kCommandRestorePrepaid:
      return "恢复预付费";
    case Id::kCommandThresholds:
      return "设置下发";
    case Id::kCommandPrice:
      return "电价下发";
    case Id::kSmsAlarm1:
      return "【电费提醒】{0}您好,{1}房间电费余额 {2} 元,已低于 {3} 元,请及时充值。({8})";
    case Id::kSmsAlarm2:
      return "【电费提醒】{0}您好,{1}房间电费余额仅剩 {2} 元(低于 {3} "
             "元),余额用完将停电,请尽快充值。({8})";
    case Id::kSmsArrears:
      return "【欠费停电】{0}您好,{1}房间电费余额 {2} 元,已欠费停电,充值后恢复供电。({8})";
    case Id::kSmsRestore:
      return "【恢复供电】{0}您好,{1}房间已充值,余额 {2} 元,已恢复供电。({8})";
    case Id::kSmsOffice:
      return "【系统报警】{6}:{7}({8}),请查看:prepaidctl alarm list --active";
    case Id::kSmsNoPhone:
      return "账户 {0} 没有登记手机号,请用 prepaidctl account edit 补充";
    case Id::kSmsToldAlready:
      return "账户 {0} 的租户已收到同一提醒(账户的另一块电表)";
    case Id::kSmsDailyLimit:
      return "{0} 今日已发送 {1} 条短信(站点 daily_limit 上限)";
    case Id::kSmsExpired:
      return "{0} 内未能发送:{1}";
    case Id::kSmsBalanceUnknown:
      return "未知";
    case Id::kReportSms:
      return "报警短信";
    case Id::kColAccount:
      return "账户";
    case Id::kColPhone:
      return "手机号";
    case Id::kColSentAt:
      return "发送时间";
    case Id::kColMessage:
      return "短信内容";
    case Id::kColReason:
      return "原因";
    case Id::kNoticeRestore:
      return "恢复供电";
    case Id::kNoticeOffice:
      return "管理报警";
    case Id::kNoticePending:
      return "待发送";
    case Id::kNoticeSent:
      return "已发送";
    case Id::kNoticeSkipped:
      return "未发送";
    case Id::kNoticeExpired:
      return "已过期";
    case Id::kEnergyMeterNotCommanded:
      return "发往 {1} 的{0}命令被拒绝：它是计量电表（型号 {2}），只读取电量用于报表，"
             "从不接受命令；未排队任何命令";
    case Id::kEnergyMeterNotBilled:
      return "{0}被拒绝：电表 {1} 是计量电表（型号 {2}），只读取电量用于报表，从不计费；"
             "请勿将其加入账户，未写入任何内容";
    case Id::kBoardEnergyMeter:
      return "计量电表";
    case Id::kApiNoRoute:
      return "没有这个接口：{0} {1}；接口列表见 /api/openapi.json";
    case Id::kApiWrongMethod:
      return "{0} 不支持 {1} 方法；支持 {2}";
    case Id::kApiBadTarget:
      return "请求路径无效：请使用 UTF-8 的百分号编码，不得含控制字符";
    case Id::kApiBadJson:
      return "请求体不是 JSON 对象：{0}；请以 Content-Type: application/json 发送一个对象";
    case Id::kApiMissingField:
      return "缺少必填字段 {0}";
    case Id::kApiWrongType:
      return "{0} 必须是{1}";
    case Id::kApiUnknownField:
      return "{0} 不是此请求的字段；可用字段：{1}";
    case Id::kApiUnknownParam:
      return "{0} 不是 {1} 的参数；可用参数：{2}";
    case Id::kApiBadNumber:
      return "{0} \"{1}\" 不是 {2} 到 {3} 之间的整数";
    case Id::kApiUnauthenticated:
      return "请先登录：在请求头中发送 Authorization: Bearer 令牌";
    case Id::kApiSessionEnded:
      return "会话已结束（过期、闲置或已退出）：请重新登录";
    case Id::kApiTooManyLogins:
      return "此地址登录尝试过多：请等待 {0} 秒后再试";
    case Id::kApiOriginRefused:
      return "不允许来自 {0} 页面的请求；管理员可将其加入 allowed_origins";
    case Id::kApiBodyTooLarge:
      return "请求体超过 {0} 字节";
    case Id::kApiHeaderTooLarge:
      return "请求行和请求头超过 {0} 字节";
    case Id::kApiTooManyStreams:
      return "已有 {0} 个实时推送连接，达到本服务器上限；请关闭一个（其他控制台或标签页），"
             "或在 API 配置中调大 limits.max_streams";
    case Id::kApiTimeout:
      return "未在 {0} 秒内收到完整请求";
    case Id::kApiBadHttp:
      return "请求不是有效的 HTTP/1.1：{0}";
    case Id::kApiInternal:
      return "服务器无法处理此请求；详情见服务器日志，编号 {0}";
    case Id::kApiTlsRequired:
      return "此服务器只接受 HTTPS 请求";
    case Id::kApiTypeString:
      return "字符串";
    case Id::kApiTypeYuan:
      return "以字符串表示、最多两位小数的元金额，如 \"12.30\"";
    case Id::kApiTypeInteger:
      return "整数";
    case Id::kApiTypeBoolean:
      return "true 或 false";
    case Id::kApiTypeStrings:
      return "字符串数组";
    case Id::kApiGivenTwice:
      return "{0} 出现了多次；只能给一次";
    case Id::kApiBadMeterPath:
      return "{0}/{1}/{2} 不是电表编号；格式为 总线/表箱/回路，如 bus1/4/1";
    case Id::kApiBadTime:
      return "{0} \"{1}\" 不是时间；请用带时区的 ISO 8601 格式，如 2026-03-01T08:00:00+08:00";
    case Id::kApiBadChoice:
      return "{0} \"{1}\" 不是以下之一：{2}";
    case Id::kApiTypeObject:
      return "JSON 对象";
    case Id::kTenantLoginRefused:
      return "户号 {0} 不存在、尚未设置密码或密码错误；密码可到物业管理处设置";
    case Id::kTenantLoginLocked:
      return "户号 {0} 连续 {2} 次登录失败，已锁定至 {1}；请稍候，或到物业管理处重设密码";
    case Id::kTenantSessionEnded:
      return "登录已过期，请重新登录";
    case Id::kEnd:
      break;
  }
  return "?";
}

}  // namespace phil::text
