"""`channels.app.auth`: secrets only from the environment, one JWT key kind, a public key file that exists."""
from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from bot.config import load_config
from bot.errors import ConfigError

SECRET = "a-development-secret-for-the-app-channel-2026"


@pytest.mark.parametrize("key", ["jwt_secret", "hmac_secret"])
def test_a_secret_written_in_the_file_is_refused_naming_its_variable(tmp_path, key):
    path = tmp_path / "config.yaml"
    path.write_text(f"channels:\n  app:\n    auth:\n      {key}: {SECRET}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        load_config(path, {})
    assert f"channels.app.auth.{key}" in str(refused.value)
    assert f"FRONTDOOR_CHANNELS__APP__AUTH__{key.upper()}" in str(refused.value)


def test_hs256_and_rs256_keys_exclude_each_other_and_the_key_file_must_be_an_rsa_public_key(tmp_path):
    pem = tmp_path / "app-backend.pem"
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    pem.write_bytes(key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    garbled = tmp_path / "garbled.pem"
    garbled.write_text("-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not a PEM public key"):
        load_config(None, {"FRONTDOOR_CHANNELS__APP__AUTH__JWT_PUBLIC_KEY_FILE": str(garbled)})
    with pytest.raises(ConfigError, match="exclude each other"):
        load_config(None, {"FRONTDOOR_CHANNELS__APP__AUTH__JWT_SECRET": SECRET,
                           "FRONTDOOR_CHANNELS__APP__AUTH__JWT_PUBLIC_KEY_FILE": str(pem)})
    with pytest.raises(ConfigError, match="not a readable file"):
        load_config(None, {"FRONTDOOR_CHANNELS__APP__AUTH__JWT_PUBLIC_KEY_FILE": str(tmp_path / "missing.pem")})
    with pytest.raises(ConfigError, match="jwt_secret"):
        load_config(None, {"FRONTDOOR_CHANNELS__APP__AUTH__JWT_SECRET": "short"})
    config = load_config(None, {"FRONTDOOR_CHANNELS__APP__AUTH__JWT_PUBLIC_KEY_FILE": str(pem)})
    assert config.channels.app.auth.jwt_public_key_file == pem
