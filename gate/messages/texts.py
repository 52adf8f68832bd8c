"""The words of the messages to people, in Vietnamese, Chinese and English (the languages of
the pages, services/web/i18n.py; the pages' words live in frontend/i18n because templates
read them, these here because the dispatcher renders them, with no web in the process).

Each message is a subject (an e-mail's) and a text (an SMS, a Zalo message, an e-mail's
body). **Length:** a driver's texts are SMS first and must fit two segments, 134 UCS-2
characters (any Vietnamese or Chinese letter makes a text UCS-2: 70 characters alone, 67 per
segment of a longer one; an English text of GSM-7 letters gets 160/153):
tests/unit/test_message_texts.py renders each with the longest seeded gate name, an order
code and a plate and counts the segments (gate.domain.messages.sms_segments). A user's texts
name the booking by its code, never the truck's plate, nor the driver: the plate is the
driver's own business and those of the enterprise's people who look it up.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from babel.numbers import format_currency

from gate.domain.messages import DEFAULT_LANGUAGE, LANGUAGES


@dataclass(frozen=True)
class Rendered:
    """A message in one language: ``subject`` (an e-mail's) and ``text``."""

    subject: str
    text: str


DIRECTIONS = {
    "vi": {"export": "xuất", "import": "nhập"},
    "zh": {"export": "出口", "import": "进口"},
    "en": {"export": "export", "import": "import"},
}

# kind -> language -> (subject, text). Fields: {gate} (the gate's name in the language),
# {direction}, {code} (the booking's), {slot} and {previous_slot} (local "dd/mm HH:MM"),
# {order} and {deadline} (local HH:MM), {lane}, {plate} (drivers only), {endpoint} (a
# webhook endpoint's URL), {endpoint_id}, {reason} (why it was disabled: disabled_reason),
# {spoil_by} and {forecast} (local "dd/mm HH:MM": a load's spoil-by and forecast call),
# {invoice} (a fee's invoice number), {amount} and {refund} (VND, written per language by
# Babel: the fee and what is refunded).
TEXTS: dict[str, dict[str, tuple[str, str]]] = {
    # To the driver.
    "driver.dispatch": {
        "vi": ("Lệnh điều tiết {order}", "Lệnh {order}: xe {plate} đến {gate} ({direction}) trước {deadline}."),
        "zh": ("调度令 {order}", "调度令{order}：车辆{plate}请于{deadline}前到达{gate}（{direction}）。"),
        "en": ("Dispatch order {order}", "Order {order}: truck {plate} to {gate} ({direction}) before {deadline}."),
    },
    "driver.called": {
        "vi": ("Mời vào làn {lane}", "Xe {plate}: mời vào làn {lane}, {gate}."),
        "zh": ("请进入{lane}号车道", "车辆{plate}：请进入{lane}号车道，{gate}。"),
        "en": ("Go to lane {lane}", "Truck {plate}: go to lane {lane}, {gate}."),
    },
    "driver.exited": {
        "vi": ("Đã qua cửa khẩu", "Xe {plate} đã qua {gate}. Thượng lộ bình an."),
        "zh": ("已通关出闸", "车辆{plate}已通过{gate}。一路平安。"),
        "en": ("Crossed the gate", "Truck {plate} has left {gate}. Safe journey."),
    },
    # To the enterprise's users who chose the topic.
    "booking.created": {
        "vi": ("Đặt chỗ {code}", "Đặt chỗ {code}: {gate} ({direction}), {slot}."),
        "zh": ("预约 {code}", "预约{code}：{gate}（{direction}），{slot}。"),
        "en": ("Booking {code}", "Booking {code}: {gate} ({direction}), {slot}."),
    },
    "booking.rescheduled": {
        "vi": ("Đổi giờ {code}", "Đặt chỗ {code} đổi từ {previous_slot} sang {slot}, {gate}."),
        "zh": ("改期 {code}", "预约{code}已从{previous_slot}改至{slot}，{gate}。"),
        "en": ("Rescheduled {code}", "Booking {code} moved from {previous_slot} to {slot}, {gate}."),
    },
    "booking.cancelled": {
        "vi": ("Hủy đặt chỗ {code}", "Đặt chỗ {code} ({gate}, {slot}) đã bị hủy."),
        "zh": ("预约取消 {code}", "预约{code}（{gate}，{slot}）已取消。"),
        "en": ("Booking cancelled {code}", "Booking {code} ({gate}, {slot}) was cancelled."),
    },
    "booking.lapsed": {
        "vi": ("Đặt chỗ hết hiệu lực {code}", "Đặt chỗ {code} ({gate}, {slot}) đã hết hiệu lực: xe không đến."),
        "zh": ("预约失效 {code}", "预约{code}（{gate}，{slot}）已失效：车辆未到。"),
        "en": ("Booking lapsed {code}", "Booking {code} ({gate}, {slot}) lapsed: the truck did not come."),
    },
    "booking.rebooked": {
        "vi": ("Cửa khẩu chuyển giờ {code}", "Đặt chỗ {code} ({gate}) được chuyển từ {previous_slot} sang {slot} do giờ cũ hết chỗ. Chấp nhận hoặc chọn giờ khác trên cổng doanh nghiệp."),
        "zh": ("口岸改期 {code}", "预约{code}（{gate}）因原时段名额不足，已从{previous_slot}改至{slot}。请在企业门户接受或另选时段。"),
        "en": ("The gate moved {code}", "Booking {code} ({gate}) was moved from {previous_slot} to {slot}: the hour lost places. Accept it or choose another hour in the portal."),
    },
    "truck.checked_in": {
        "vi": ("Xe đã vào bãi {code}", "Đặt chỗ {code}: xe đã vào bãi kiểm soát {gate}."),
        "zh": ("车辆已入场 {code}", "预约{code}：车辆已进入{gate}监管场。"),
        "en": ("Truck checked in {code}", "Booking {code}: the truck checked in at {gate}."),
    },
    "truck.dispatched": {
        "vi": ("Lệnh điều tiết {code}", "Đặt chỗ {code}: lệnh {order}, đến {gate} trước {deadline}."),
        "zh": ("调度令 {code}", "预约{code}：调度令{order}，{deadline}前到达{gate}。"),
        "en": ("Dispatched {code}", "Booking {code}: order {order}, to {gate} before {deadline}."),
    },
    "truck.called": {
        "vi": ("Xe được gọi {code}", "Đặt chỗ {code}: xe được gọi vào làn {lane}, {gate}."),
        "zh": ("车辆叫号 {code}", "预约{code}：车辆被叫至{lane}号车道，{gate}。"),
        "en": ("Truck called {code}", "Booking {code}: the truck is called to lane {lane}, {gate}."),
    },
    "truck.clearance_decided": {
        "vi": ("Quyết định thông quan {code}", "Đặt chỗ {code}: có quyết định kiểm tra tại {gate}."),
        "zh": ("查验决定 {code}", "预约{code}：{gate}已作出查验决定。"),
        "en": ("Clearance decision {code}", "Booking {code}: a clearance decision was recorded at {gate}."),
    },
    "truck.exited": {
        "vi": ("Xe đã qua {code}", "Đặt chỗ {code}: xe đã qua {gate}."),
        "zh": ("车辆已通关 {code}", "预约{code}：车辆已通过{gate}。"),
        "en": ("Truck exited {code}", "Booking {code}: the truck has left {gate}."),
    },
    "capacity.changed": {
        "vi": ("Thay đổi năng lực {gate}", "{gate} thay đổi giờ mở hoặc năng lực: hãy xem lại các đặt chỗ."),
        "zh": ("{gate}通行能力变更", "{gate}的开放时间或通行能力已变更，请核对您的预约。"),
        "en": ("Capacity changed at {gate}", "{gate} changed its hours or capacity: please check your bookings."),
    },
    "cargo.spoil_risk": {
        "vi": ("Nguy cơ hỏng hàng {code}", "Đặt chỗ {code}: hàng tươi sống hỏng lúc {spoil_by} nhưng dự kiến gọi xe lúc {forecast}, {gate}."),
        "zh": ("货物变质风险 {code}", "预约{code}：鲜活货物将于{spoil_by}变质，预计叫号时间为{forecast}，{gate}。"),
        "en": ("Cargo may spoil {code}", "Booking {code}: the perishable cargo spoils at {spoil_by} but the truck is forecast to be called at {forecast}, {gate}."),
    },
    "fee.paid": {
        "vi": ("Đã nhận phí {invoice}", "Đặt chỗ {code}: đã nhận đủ phí hạ tầng cửa khẩu {amount}, hóa đơn {invoice}, {gate}."),
        "zh": ("已收到费用 {invoice}", "预约{code}：已收到口岸基础设施使用费{amount}，发票{invoice}，{gate}。"),
        "en": ("Fee received {invoice}", "Booking {code}: the border-gate infrastructure fee of {amount} is paid, invoice {invoice}, {gate}."),
    },
    "fee.refund_due": {
        "vi": ("Hoàn phí {invoice}", "Đặt chỗ {code} đã hủy: phí {invoice} sẽ được hoàn {refund}, {gate}."),
        "zh": ("退还费用 {invoice}", "预约{code}已取消：费用{invoice}将退还{refund}，{gate}。"),
        "en": ("Fee refund {invoice}", "Booking {code} was cancelled: {refund} of fee {invoice} will be refunded, {gate}."),
    },
    "fee.voided": {
        "vi": ("Hủy phí {invoice}", "Đặt chỗ {code} đã hủy kịp thời: phí {invoice} không còn phải nộp, {gate}."),
        "zh": ("费用作废 {invoice}", "预约{code}已按时取消：无需再缴纳费用{invoice}，{gate}。"),
        "en": ("Fee cancelled {invoice}", "Booking {code} was cancelled in time: fee {invoice} is no longer owed, {gate}."),
    },
    "fee.refunded": {
        "vi": ("Đã hoàn phí {invoice}", "Đặt chỗ {code}: đã chuyển hoàn {refund} của phí {invoice} về tài khoản đã nộp, {gate}."),
        "zh": ("费用已退还 {invoice}", "预约{code}：费用{invoice}的{refund}已退回付款账户，{gate}。"),
        "en": ("Fee refunded {invoice}", "Booking {code}: {refund} of fee {invoice} was sent back to the account that paid it, {gate}."),
    },
    "webhook.disabled": {
        "vi": ("Webhook bị tắt", "Điểm nhận webhook {endpoint} (mã {endpoint_id}) đã bị tắt: {reason}. Không gửi gì đến đó cho đến khi một quản lý bật lại: trang Webhook của cổng doanh nghiệp, hoặc PATCH /api/v1/webhooks/endpoints/{endpoint_id} với \"enabled\": true."),
        "zh": ("Webhook已停用", "Webhook接收端 {endpoint}（编号 {endpoint_id}）已停用：{reason}。在管理员重新启用之前不会向其发送任何内容：企业门户的 Webhooks 页面，或 PATCH /api/v1/webhooks/endpoints/{endpoint_id}，内容 \"enabled\": true。"),
        "en": ("Webhook disabled", "Webhook endpoint {endpoint} (id {endpoint_id}) was disabled: {reason}. Nothing is sent to it until a manager turns it on again: the portal's Webhooks page, or PATCH /api/v1/webhooks/endpoints/{endpoint_id} with \"enabled\": true."),
    },
}  # fmt: skip


# Why the platform disabled a webhook endpoint (gate/webhooks/failures.py keeps it in
# English on the endpoint and the event), said in the person's language: the receiver's
# 410 Gone, or a delivery that failed every attempt of the retry schedule, with its last
# answer (an HTTP status, no answer at all, or a host that did not resolve).
REASONS = {
    "vi": {
        "gone": "máy nhận trả lời 410 Gone (không muốn nhận nữa)",
        "failing": "một webhook gửi thất bại cả {attempts} lần thử (lần cuối: {last})",
        "status": "trả lời HTTP {status}",
        "no_answer": "không có trả lời",
        "no_host": "không tìm thấy máy chủ",
    },
    "zh": {
        "gone": "接收端返回 410 Gone（不再接收）",
        "failing": "一条 webhook 的 {attempts} 次尝试全部失败（最后一次：{last}）",
        "status": "返回 HTTP {status}",
        "no_answer": "无应答",
        "no_host": "找不到主机",
    },
    "en": {
        "gone": "the receiver answered 410 Gone (it wants no more)",
        "failing": "a webhook failed all {attempts} attempts (last: {last})",
        "status": "answered HTTP {status}",
        "no_answer": "no answer",
        "no_host": "the host was not found",
    },
}
_FAILING = re.compile(r"^a delivery failed (\d+) times; last: (.*)$", re.S)


def disabled_reason(reason: str, language: str) -> str:
    """Why an endpoint was disabled (its kept English ``reason``) in ``language``; the kept
    text itself when it is none the platform gives (never hidden)."""
    words = REASONS.get(language, REASONS[DEFAULT_LANGUAGE])
    if reason.startswith("the receiver answered 410"):
        return words["gone"]
    failing = _FAILING.match(reason)
    if failing is None:
        return reason
    attempts, last = failing.groups()
    answered = re.fullmatch(r"answered (\d+)", last)
    if answered is not None:
        last = words["status"].format(status=answered.group(1))
    elif last.startswith("no answer"):
        last = words["no_answer"]
    elif last.startswith("the host did not resolve"):
        last = words["no_host"]
    return words["failing"].format(attempts=attempts, last=last)


def vnd(amount: object, language: str) -> str:
    """An amount of dong as the language writes money (Babel: ``1.500.000 ₫`` in Vietnamese,
    ``₫1,500,000`` in English and Chinese); empty when there is none."""
    if not isinstance(amount, int) or isinstance(amount, bool):
        return ""
    return format_currency(amount, "VND", locale=_LOCALES.get(language, "vi_VN"))


_LOCALES = {"vi": "vi_VN", "zh": "zh_Hans_CN", "en": "en"}


def direction_word(direction: str, language: str) -> str:
    """``export``/``import`` in ``language``; the value itself when unknown."""
    return DIRECTIONS.get(language, DIRECTIONS["en"]).get(direction, direction)


def render(kind: str, language: str, fields: Mapping[str, str]) -> Rendered:
    """The message ``kind`` (a key of TEXTS) in ``language`` (Vietnamese for an unknown
    one), its ``{field}``s filled from ``fields``. KeyError for an unknown kind or a field
    the text needs and ``fields`` lacks (a bug, not input)."""
    words = TEXTS[kind]
    subject, text = words[language if language in LANGUAGES else DEFAULT_LANGUAGE]
    return Rendered(subject.format_map(fields), text.format_map(fields))
