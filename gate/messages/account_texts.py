"""The words of the mails about an enterprise's account (gate/messages/account_mail.py), in
Vietnamese, Chinese and English. E-mails only, so no SMS length applies; each names the
enterprise and says what to do next. Fields: {enterprise} (its name), {tax_code}, {reason}
(a rejection's, as the administration wrote it), {link} (a one-time link), {expires} (when
it stops working, local "dd/mm/yyyy HH:MM"), {role} (the invitee's, in the language)."""

from __future__ import annotations

from collections.abc import Mapping

from gate.domain.messages import DEFAULT_LANGUAGE, LANGUAGES
from gate.messages.texts import Rendered

ROLES = {
    "vi": {"manager": "quản lý", "clerk": "nhân viên"},
    "zh": {"manager": "管理员", "clerk": "职员"},
    "en": {"manager": "manager", "clerk": "clerk"},
}

ACCOUNT_TEXTS: dict[str, dict[str, tuple[str, str]]] = {
    "account.received": {
        "vi": ("Đã nhận đơn đăng ký của {enterprise}", "Nền tảng cửa khẩu số đã nhận đơn đăng ký của {enterprise} (mã số thuế {tax_code}). Ban quản lý sẽ xem xét và báo kết quả qua thư này."),
        "zh": ("已收到{enterprise}的注册申请", "数字口岸平台已收到{enterprise}（税号 {tax_code}）的注册申请。管理部门审核后将通过电子邮件通知结果。"),
        "en": ("Application received: {enterprise}", "The digital border gate platform received the application of {enterprise} (tax code {tax_code}). The administration will review it and tell you the outcome by e-mail."),
    },
    "account.approved": {
        "vi": ("{enterprise} đã được duyệt", "{enterprise} đã được duyệt trên nền tảng cửa khẩu số. Hãy đặt mật khẩu để trở thành quản lý của doanh nghiệp: {link} (dùng một lần, đến {expires})."),
        "zh": ("{enterprise}已获批准", "{enterprise}已在数字口岸平台获批准。请设置密码，成为企业的管理员：{link} （仅可使用一次，有效期至 {expires}）。"),
        "en": ("{enterprise} is approved", "{enterprise} is approved on the digital border gate platform. Set your password to become its manager: {link} (works once, until {expires})."),
    },
    "account.rejected": {
        "vi": ("Đơn đăng ký của {enterprise} chưa được duyệt", "Đơn đăng ký của {enterprise} (mã số thuế {tax_code}) chưa được duyệt. Lý do: {reason}"),
        "zh": ("{enterprise}的注册申请未获批准", "{enterprise}（税号 {tax_code}）的注册申请未获批准。原因：{reason}"),
        "en": ("The application of {enterprise} is not approved", "The application of {enterprise} (tax code {tax_code}) is not approved. Reason: {reason}"),
    },
    "account.invited": {
        "vi": ("Lời mời tham gia {enterprise}", "{enterprise} mời bạn làm {role} trên nền tảng cửa khẩu số. Nhận lời và chọn mật khẩu của bạn: {link} (dùng một lần, đến {expires}). Nếu bạn không chờ thư này, hãy bỏ qua."),
        "zh": ("{enterprise}邀请您加入", "{enterprise}邀请您作为{role}使用数字口岸平台。接受邀请并设置您的密码：{link} （仅可使用一次，有效期至 {expires}）。如您并未预期此邮件，请忽略。"),
        "en": ("An invitation to join {enterprise}", "{enterprise} invites you to the digital border gate platform as its {role}. Accept and choose your password: {link} (works once, until {expires}). If you did not expect this mail, ignore it."),
    },
    "account.reset": {
        "vi": ("Đặt lại mật khẩu", "Có người yêu cầu đặt lại mật khẩu tài khoản của bạn tại {enterprise}. Chọn mật khẩu mới: {link} (dùng một lần, đến {expires}). Nếu không phải bạn, hãy bỏ qua thư này: mật khẩu không đổi."),
        "zh": ("重置密码", "有人请求重置您在{enterprise}的账户密码。设置新密码：{link} （仅可使用一次，有效期至 {expires}）。如非本人操作，请忽略此邮件，密码不会改变。"),
        "en": ("Reset your password", "Someone asked to reset the password of your account at {enterprise}. Choose a new password: {link} (works once, until {expires}). If it was not you, ignore this mail: your password stays as it is."),
    },
}  # fmt: skip


def render_account_mail(kind: str, language: str, fields: Mapping[str, str]) -> Rendered:
    """The account mail ``kind`` in ``language`` (Vietnamese for an unknown one), its
    ``{role}`` put in that language. KeyError for an unknown kind (a bug, not input)."""
    language = language if language in LANGUAGES else DEFAULT_LANGUAGE
    words = dict(fields)
    words["role"] = ROLES[language].get(words.get("role", ""), words.get("role", ""))
    subject, text = ACCOUNT_TEXTS[kind][language]
    return Rendered(subject.format_map(words), text.format_map(words))
