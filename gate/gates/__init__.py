"""Gates (cửa khẩu): lanes, directions, and the slot calendar that sets each hour's places."""
