"""Canonical entity values the dialogue relies on."""
from __future__ import annotations

import pytest

from nlu.normalizers import normalize


@pytest.mark.parametrize("entity, raw, value", [
    ("ticket_id", "gd 2026 1123 0001", "GD202611230001"),
    ("circuit_id", "GZ-MSTP-000123", "GZ-MSTP-000123"),
    ("circuit_id", "sz ipran 20231", "SZ-IPRAN-20231"),
    ("circuit_id", "FSETN0045678", "FS-ETN-0045678"),
    ("circuit_id", "hz/sdh/00871", "HZ-SDH-00871"),
    ("circuit_id", "dgxyz1234", "DG-XYZ-1234"),
    ("phone_number", "138 0013-8000", "13800138000"),
    ("phone_number", "020-12345678", "02012345678"),
    ("customer_code", "kh44010001", "KH44010001"),
    ("rating", "5分", "5"),
    ("rating", "五星", "5"),
    ("rating", "非常不满意", "1"),
    ("rating", "不满意", "2"),
    ("rating", "满意", "4"),
    ("rating", "还行", "3"),
    ("region", " 广州 ", "广州"),
])
def test_values_are_canonical(entity: str, raw: str, value: str):
    assert normalize(entity, raw) == value
