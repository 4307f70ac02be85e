"""Password hashing (argon2id at OWASP's minimum cost) and the password policy."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError
from argon2.exceptions import VerificationError

from crm.services import ServiceError

MIN_LENGTH = 12
MAX_LENGTH = 256

# 19 MiB, two passes, one lane: OWASP's recommended minimum for argon2id.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)

# A dummy hash to verify against when the account does not exist, so that the answer
# takes as long either way and timing does not reveal which emails have accounts.
_DUMMY = _hasher.hash("not a real password, only for timing")


def check_policy(password: str, email: str = "") -> None:
    if len(password) < MIN_LENGTH:
        raise ServiceError(f"Use at least {MIN_LENGTH} characters for the password.", "password")
    if len(password) > MAX_LENGTH:
        raise ServiceError(f"Use at most {MAX_LENGTH} characters for the password.", "password")
    if len(set(password)) < 4:
        raise ServiceError("That password repeats too few characters; choose a less guessable one.", "password")
    if email and password.strip().lower() == email.strip().lower():
        raise ServiceError("The password must not be your email address.", "password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False
