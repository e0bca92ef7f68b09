"""Bearer tokens → :class:`~domain.viewer.Viewer`.

No token means the public. A token that is present but bad (malformed, expired, wrongly signed,
wrong issuer or audience, unknown role or department) is refused with 401 and a message that
says which; it is never quietly treated as the public.
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from api.errors import HTTPError
from api.settings import Settings
from db import org
from db.executor import Executor
from domain.viewer import ANONYMOUS, Role, Viewer

TOWNSHIP_LEVEL = 2  # regions.level: 1 county, 2 township or street, 3 village or community


class AuthError(HTTPError):
    """A token that is missing what it needs, or wrong: 401, never treated as the public."""

    def __init__(self, message: str, code: str = "UNAUTHENTICATED") -> None:
        super().__init__(401, code, message, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})


@dataclass(frozen=True, slots=True)
class Claims:
    subject: str
    role: Role
    department_code: str | None
    staff_no: str | None
    region_code: str | None = None  # a township's (claim ``region``)
    expires_at: float = 0.0  # the claim ``exp``, seconds since the epoch


TOWNSHIP_CODE = re.compile(r"^[0-9]{9}$")


def _read_key(value: str) -> str:
    path = Path(value)
    if not value.lstrip().startswith("-----") and path.is_file():
        return path.read_text(encoding="utf-8")
    return value


def ensure_dev_key(path: Path) -> Ed25519PrivateKey:
    """The development signing key: made once, kept under the data folder, never for production."""
    if path.exists():
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise RuntimeError(f"{path} 不是 Ed25519 私钥")
        return key
    key = Ed25519PrivateKey.generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    path.chmod(0o600)
    return key


def mint_dev_token(
    settings: Settings,
    *,
    role: Role,
    department_code: str | None = None,
    staff_no: str | None = None,
    ttl_s: int = 8 * 3600,
    region_code: str | None = None,
) -> str:
    """A token signed with the development key (the ``sunshine token`` command)."""
    if role is Role.PUBLIC:
        raise ValueError("公众无需令牌")
    if role is Role.DEPARTMENT and not department_code:
        raise ValueError("部门令牌必须指定部门编码")
    if role is Role.TOWNSHIP and not (region_code and TOWNSHIP_CODE.match(region_code)):
        raise ValueError("乡镇（街道）令牌必须指定 9 位乡镇区划代码")
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": staff_no or f"{role.value}-dev",
        "role": role.value,
        "iat": now,
        "nbf": now,
        "exp": now + ttl_s,
    }
    if department_code:
        claims["dept"] = department_code
    if staff_no:
        claims["staff_no"] = staff_no
    if role is Role.TOWNSHIP:
        claims["region"] = region_code
    return jwt.encode(claims, ensure_dev_key(settings.dev_key_path), algorithm="EdDSA")


_BAD_ROLE = "令牌中的角色无效（应为 department、discipline 或 township）"
# How long a verified token's viewer is remembered (and a token signed by a key since withdrawn
# from the JWKS still accepted): the JWKS client's own key lifespan.
REMEMBER_S = 300.0
REMEMBER_TOKENS = 10_000


class TokenVerifier:
    """Verifies signature (pinned algorithm), expiry, issuer and audience.

    An official's console sends the same token with every request; checking its signature and
    looking up its department each time cost more CPU than a small query. The viewer a token
    gave is remembered by the token's exact text (a different text is verified afresh) for up to
    :data:`REMEMBER_S`, and never past the token's own expiry, which is checked on every use."""

    def __init__(self, settings: Settings) -> None:
        self._algorithm = settings.jwt_algorithm
        self._issuer = settings.jwt_issuer
        self._audience = settings.jwt_audience
        self._leeway = settings.jwt_leeway_s
        self._max_lifetime_s = settings.jwt_max_lifetime_s
        self._jwks: jwt.PyJWKClient | None = None
        self._key: Any = None
        if settings.jwt_jwks_url:
            self._jwks = jwt.PyJWKClient(settings.jwt_jwks_url, cache_keys=True, lifespan=300)
        elif settings.jwt_public_key:
            self._key = _read_key(settings.jwt_public_key)
        elif settings.dev:
            if settings.jwt_algorithm != "EdDSA":
                raise RuntimeError("开发模式的本地密钥只支持 EdDSA")
            self._key = ensure_dev_key(settings.dev_key_path).public_key()
        # Without a key the service still serves the public and refuses every token.
        self._remembered: OrderedDict[str, tuple[Viewer, float, float]] = OrderedDict()

    def remembered(self, token: str) -> Viewer | None:
        """The viewer ``token`` gave when verified lately; ``TOKEN_EXPIRED`` once it has expired."""
        entry = self._remembered.get(token)
        if entry is None:
            return None
        viewer, expires_at, until = entry
        now = time.time()
        if now > expires_at + self._leeway:
            del self._remembered[token]
            raise AuthError("令牌已过期", "TOKEN_EXPIRED")
        if now > until:
            del self._remembered[token]
            return None
        self._remembered.move_to_end(token)
        return viewer

    def remember(self, token: str, viewer: Viewer, claims: Claims) -> None:
        self._remembered[token] = (viewer, claims.expires_at, time.time() + REMEMBER_S)
        while len(self._remembered) > REMEMBER_TOKENS:
            self._remembered.popitem(last=False)

    async def _signing_key(self, token: str) -> Any:
        if self._jwks is not None:
            jwks = self._jwks
            try:
                # PyJWKClient fetches over blocking HTTP; keep it off the event loop.
                signing = await anyio.to_thread.run_sync(jwks.get_signing_key_from_jwt, token)
            except jwt.PyJWKClientError as exc:
                raise AuthError("暂时无法取得核验令牌的公钥，请稍后重试") from exc
            return signing.key
        if self._key is None:
            raise AuthError("本服务未配置令牌公钥，不接受令牌")
        return self._key

    async def verify(self, token: str) -> Claims:
        key = await self._signing_key(token)
        try:
            payload = jwt.decode(
                token,
                key,
                algorithms=[self._algorithm],
                audience=self._audience,
                issuer=self._issuer,
                leeway=self._leeway,
                options={"require": ["exp", "iat", "sub", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError:
            raise AuthError("令牌已过期", "TOKEN_EXPIRED") from None
        except jwt.InvalidSignatureError:
            raise AuthError("令牌签名无效", "TOKEN_INVALID") from None
        except jwt.InvalidAudienceError:
            raise AuthError("令牌的受众（aud）不符", "TOKEN_INVALID") from None
        except jwt.InvalidIssuerError:
            raise AuthError("令牌的签发者（iss）不符", "TOKEN_INVALID") from None
        except jwt.InvalidAlgorithmError:
            raise AuthError(f"令牌算法不被接受（只接受 {self._algorithm}）", "TOKEN_INVALID") from None
        except jwt.MissingRequiredClaimError as exc:
            raise AuthError(f"令牌缺少必需字段：{exc.claim}", "TOKEN_INVALID") from None
        except jwt.ImmatureSignatureError:
            raise AuthError("令牌尚未生效（nbf 在将来）", "TOKEN_INVALID") from None
        except jwt.InvalidIssuedAtError:
            raise AuthError("令牌的签发时间（iat）在将来", "TOKEN_INVALID") from None
        except jwt.DecodeError:
            raise AuthError("令牌无效：格式不是可以解析的 JWT", "TOKEN_INVALID") from None
        except jwt.InvalidTokenError:
            raise AuthError("令牌无效", "TOKEN_INVALID") from None
        try:
            lifetime = float(payload["exp"]) - float(payload["iat"])
        except (TypeError, ValueError):
            raise AuthError("令牌的 exp 或 iat 不是时间", "TOKEN_INVALID") from None
        if lifetime > self._max_lifetime_s:
            hours = self._max_lifetime_s / 3600
            raise AuthError(f"令牌有效期过长（签发到过期不得超过 {hours:g} 小时）", "TOKEN_INVALID")
        try:
            role = Role(str(payload.get("role")))
        except ValueError:
            raise AuthError(_BAD_ROLE, "TOKEN_INVALID") from None
        if role is Role.PUBLIC:
            raise AuthError(_BAD_ROLE, "TOKEN_INVALID")
        department = payload.get("dept")
        if role is Role.DEPARTMENT and not isinstance(department, str):
            raise AuthError("部门令牌缺少部门编码（dept）", "TOKEN_INVALID")
        region = payload.get("region")
        if role is Role.TOWNSHIP and not (isinstance(region, str) and TOWNSHIP_CODE.match(region)):
            raise AuthError("乡镇（街道）令牌缺少 9 位乡镇区划代码（region）", "TOKEN_INVALID")
        return Claims(
            subject=str(payload["sub"]),
            role=role,
            department_code=department if isinstance(department, str) else None,
            staff_no=payload.get("staff_no"),
            region_code=region if role is Role.TOWNSHIP and isinstance(region, str) else None,
            expires_at=float(payload["exp"]),
        )


async def viewer_for(authorization: str | None, verifier: TokenVerifier, db: Executor) -> Viewer:
    """The viewer of a request from its ``Authorization`` header."""
    if not authorization:
        return ANONYMOUS
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError("Authorization 头格式应为：Bearer <令牌>", "TOKEN_INVALID")
    token = token.strip()
    known = verifier.remembered(token)
    if known is not None:
        return known
    claims = await verifier.verify(token)
    department_id = None
    if claims.department_code is not None:
        rows = await org.list_departments_by_code(db, codes=[claims.department_code])
        if not rows:
            raise AuthError(f"令牌中的部门不存在：{claims.department_code}", "TOKEN_INVALID")
        department_id = rows[0].id
    if claims.region_code is not None:
        regions = await org.list_regions_by_code(db, codes=[claims.region_code])
        if not regions or regions[0].level != TOWNSHIP_LEVEL:
            raise AuthError(f"令牌中的乡镇（街道）不存在：{claims.region_code}", "TOKEN_INVALID")
    viewer = Viewer(
        role=claims.role,
        department_id=department_id,
        department_code=claims.department_code,
        staff_no=claims.staff_no,
        subject=claims.subject,
        region_code=claims.region_code,
    )
    verifier.remember(token, viewer, claims)
    return viewer
