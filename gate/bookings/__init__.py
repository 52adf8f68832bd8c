"""Bookings (đăng ký qua cửa khẩu): a vehicle, its driver and cargo in one crossing slot."""
