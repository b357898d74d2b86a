"""Environment-driven configuration (12-factor) with safe production defaults."""

import os

# Recognisably insecure on purpose: production refuses to start with it.
DEV_SECRET = "dev-only-insecure-secret-change-me-0123456789abcdef"  # noqa: S105


def env_str(name, default=None):
    """Read a string variable; empty means unset."""
    value = os.environ.get(name, "").strip()
    return value or default


def env_int(name, default):
    """Read an integer variable, failing loudly on garbage."""
    value = env_str(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise RuntimeError(f"{name} must be an integer, got {value!r}") from None


def env_float(name, default):
    """Read a float variable, failing loudly on garbage."""
    value = env_str(name)
    if value is None:
        return default
    try:
        return float(value)
    except ValueError:
        raise RuntimeError(f"{name} must be a number, got {value!r}") from None


def env_bool(name, default):
    """Read a boolean variable (1/true/yes/on)."""
    value = env_str(name)
    if value is None:
        return default
    return value.lower() in {"1", "true", "yes", "on"}


def env_list(name, default):
    """Read a comma-separated list."""
    value = env_str(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


# OWASP Password Storage Cheat Sheet: equivalent Argon2id (memory KiB, passes) minimums.
OWASP_ARGON2_MINIMUMS = ((47104, 1), (19456, 2), (12288, 3), (9216, 4), (7168, 5))


def argon2_meets_owasp(memory_cost, time_cost):
    """True when (memory, passes) is at least one of OWASP's configurations."""
    return any(memory_cost >= m and time_cost >= t for m, t in OWASP_ARGON2_MINIMUMS)


class Config:
    """Development defaults; every value can be overridden from the environment."""

    ENV_NAME = "development"
    DEBUG = False
    TESTING = False

    def __init__(self):
        self.SECRET_KEY = env_str("SECRET_KEY", DEV_SECRET)
        self.JWT_SECRET = env_str("JWT_SECRET", self.SECRET_KEY)
        # Signs students' QR payloads (HMAC-SHA256); production needs its own value.
        self.QR_SECRET = env_str("QR_SECRET", DEV_SECRET)
        self.QR_TTL_SECONDS = env_int("QR_TTL_SECONDS", 24 * 3600)
        # Encrypts TOTP secrets at rest (a key of its own, never the JWT secret). After a
        # rotation, MFA_SECRET_KEY_PREVIOUS still decrypts secrets stored under the old key.
        self.MFA_SECRET_KEY = env_str("MFA_SECRET_KEY", DEV_SECRET)
        self.MFA_SECRET_KEY_PREVIOUS = env_str("MFA_SECRET_KEY_PREVIOUS", None)
        self.MFA_ISSUER = env_str("MFA_ISSUER", "EducateNext")
        # The second login step's token, and a policy-bound user's enrolment-only token.
        self.MFA_CHALLENGE_TTL_SECONDS = env_int("MFA_CHALLENGE_TTL_SECONDS", 5 * 60)
        self.MFA_ENROLMENT_TTL_SECONDS = env_int("MFA_ENROLMENT_TTL_SECONDS", 15 * 60)
        # Super-admins have no institution, so their MFA policy is platform configuration.
        self.MFA_REQUIRED_FOR_SUPER_ADMINS = env_bool("MFA_REQUIRED_FOR_SUPER_ADMINS", False)
        # ID cards: how long a card is valid from issue, and a TrueType font for non-Latin names.
        self.ID_CARD_VALID_DAYS = env_int("ID_CARD_VALID_DAYS", 365)
        self.ID_CARD_FONT = env_str("ID_CARD_FONT", None)
        # School websites: the platform's host for subdomains (greenfield.<this>; empty: sites
        # are asked for by bare subdomain or custom domain), and the public answers' cache TTL
        # (every site write invalidates them; the TTL is the backstop).
        self.CMS_SITES_DOMAIN = env_str("CMS_SITES_DOMAIN", "")
        self.CMS_PUBLIC_CACHE_SECONDS = env_int("CMS_PUBLIC_CACHE_SECONDS", 300)
        self.DEBUG = env_bool("FLASK_DEBUG", self.DEBUG)

        # MongoDB: timeouts stay well under gunicorn's 30 s worker timeout so a dead
        # database answers 503 instead of a killed worker and an nginx 502.
        self.MONGO_URI = env_str("MONGO_URI", "mongodb://127.0.0.1:27017/educatenext")
        self.MONGO_DB_NAME = env_str("MONGO_DB_NAME", None)
        self.MONGO_MAX_POOL_SIZE = env_int("MONGO_MAX_POOL_SIZE", 10)
        self.MONGO_MIN_POOL_SIZE = env_int("MONGO_MIN_POOL_SIZE", 1)
        self.MONGO_MAX_IDLE_TIME_MS = env_int("MONGO_MAX_IDLE_TIME_MS", 30000)
        # With timeoutMS set pymongo ignores serverSelectionTimeoutMS, so this is also the
        # budget of the ping that decides, during an outage, whether MongoDB is back.
        self.MONGO_SERVER_SELECTION_TIMEOUT_MS = env_int("MONGO_SERVER_SELECTION_TIMEOUT_MS", 1000)
        # After a failed ping, requests get a 503 at once for this long, then it pings again.
        self.MONGO_UNAVAILABLE_BACKOFF_SECONDS = env_float("MONGO_UNAVAILABLE_BACKOFF_SECONDS", 2.0)
        self.MONGO_CONNECT_TIMEOUT_MS = env_int("MONGO_CONNECT_TIMEOUT_MS", 3000)
        self.MONGO_SOCKET_TIMEOUT_MS = env_int("MONGO_SOCKET_TIMEOUT_MS", 10000)
        self.MONGO_WAIT_QUEUE_TIMEOUT_MS = env_int("MONGO_WAIT_QUEUE_TIMEOUT_MS", 3000)
        # TLS to MongoDB (credentials go in MONGO_URI); CA and client certificate as PEM files.
        self.MONGO_TLS = env_bool("MONGO_TLS", False)
        self.MONGO_TLS_CA_FILE = env_str("MONGO_TLS_CA_FILE", None)
        self.MONGO_TLS_CERT_KEY_FILE = env_str("MONGO_TLS_CERT_KEY_FILE", None)
        # Upper bound for every operation (client-side timeout, sent as maxTimeMS). Indexed
        # reads and writes take milliseconds; the budget also bounds how long a request in
        # flight when MongoDB vanishes waits (the driver's retry waits for a server within it).
        self.MONGO_OPERATION_TIMEOUT_MS = env_int("MONGO_OPERATION_TIMEOUT_MS", 2000)
        # Aggregations (reports, analytics) get a larger budget of their own.
        self.MONGO_REPORT_TIMEOUT_MS = env_int("MONGO_REPORT_TIMEOUT_MS", 15000)
        # Bulk writes (a class roster, an import) carry many operations in one command: a
        # busy server (the load test's ramp) took a roster of 40 past the 2 s of one operation.
        self.MONGO_BULK_TIMEOUT_MS = env_int("MONGO_BULK_TIMEOUT_MS", 5000)

        # Redis: unset in development means "no cache, in-process limiter" (loudly).
        self.REDIS_URL = env_str("REDIS_URL", None)
        self.REDIS_SOCKET_TIMEOUT = env_float("REDIS_SOCKET_TIMEOUT", 0.3)
        # After a Redis timeout or refusal, skip Redis for this long (platform.redis.breaker).
        self.REDIS_BACKOFF_SECONDS = env_float("REDIS_BACKOFF_SECONDS", 1.0)
        self.CACHE_DEFAULT_TIMEOUT = env_int("CACHE_DEFAULT_TIMEOUT", 60)
        # Cached responses are invalidated by every write; the TTL is only the backstop.
        self.CACHE_RESPONSE_TTL_SECONDS = env_int("CACHE_RESPONSE_TTL_SECONDS", 300)
        # Per worker: copies of entries it served, checked against Redis's tokens on each hit
        # (educatenext.caching.response_copies); 0 turns them off.
        self.CACHE_LOCAL_COPIES_MAX_BYTES = env_int("CACHE_LOCAL_COPIES_MAX_BYTES", 32 << 20)
        # Per worker: small values many responses read (classroom names), checked against the
        # generation tokens (educatenext.caching.value_memos); 0 turns them off.
        self.CACHE_LOCAL_MEMO_MAX_ENTRIES = env_int("CACHE_LOCAL_MEMO_MAX_ENTRIES", 50_000)
        # A miss on an entry another worker is building waits this long for it
        # (educatenext.caching.fills); 0: every miss builds its own.
        self.CACHE_FILL_WAIT_SECONDS = env_float("CACHE_FILL_WAIT_SECONDS", 1.0)
        # Off: every response is built from MongoDB (benchmarks of uncached reads, incident
        # switches); the classroom-name memo above has its own switch.
        self.RESPONSE_CACHE_ENABLED = env_bool("RESPONSE_CACHE_ENABLED", True)
        self.RATELIMIT_DEFAULT = env_str("RATELIMIT_DEFAULT", "1200 per minute")
        self.RATELIMIT_ENABLED = env_bool("RATELIMIT_ENABLED", True)
        # Per caller (user when authenticated): a dashboard tab polls 4 lists every 30 s.
        self.RATELIMIT_READ = env_str("RATELIMIT_READ", "600 per minute")
        self.RATELIMIT_WRITE = env_str("RATELIMIT_WRITE", "120 per minute")
        self.RATELIMIT_BULK = env_str("RATELIMIT_BULK", "60 per minute")
        # Per caller: a student's full data export reads years of records.
        self.RATELIMIT_EXPORT = env_str("RATELIMIT_EXPORT", "10 per hour")
        # Per client address: public school websites, read without a token.
        self.RATELIMIT_PUBLIC_SITE = env_str("RATELIMIT_PUBLIC_SITE", "300 per minute")
        # Prefixes keep several deployments (or test runs) apart on one Redis.
        self.CACHE_KEY_PREFIX = env_str("CACHE_KEY_PREFIX", "en:cache:")
        self.RATELIMIT_KEY_PREFIX = env_str("RATELIMIT_KEY_PREFIX", "en:rl")

        # Auth: short-lived access JWTs, rotating opaque refresh tokens.
        self.JWT_ISSUER = env_str("JWT_ISSUER", "educatenext")
        self.JWT_AUDIENCE = env_str("JWT_AUDIENCE", "educatenext-api")
        self.ACCESS_TOKEN_TTL_SECONDS = env_int("ACCESS_TOKEN_TTL_SECONDS", 15 * 60)
        self.REFRESH_TOKEN_TTL_SECONDS = env_int("REFRESH_TOKEN_TTL_SECONDS", 30 * 24 * 3600)
        self.INVITATION_TTL_SECONDS = env_int("INVITATION_TTL_SECONDS", 7 * 24 * 3600)
        self.AUTH_CACHE_TTL_SECONDS = env_int("AUTH_CACHE_TTL_SECONDS", 60)
        # OWASP's second Argon2id option (19 MiB, 2 passes, 1 lane).
        self.ARGON2_TIME_COST = env_int("ARGON2_TIME_COST", 2)
        self.ARGON2_MEMORY_COST = env_int("ARGON2_MEMORY_COST", 19456)
        self.ARGON2_PARALLELISM = env_int("ARGON2_PARALLELISM", 1)
        self.LOGIN_LOCKOUT_THRESHOLD = env_int("LOGIN_LOCKOUT_THRESHOLD", 5)
        self.LOGIN_LOCKOUT_BASE_SECONDS = env_int("LOGIN_LOCKOUT_BASE_SECONDS", 60)
        self.LOGIN_LOCKOUT_MAX_SECONDS = env_int("LOGIN_LOCKOUT_MAX_SECONDS", 3600)
        self.LOGIN_RATE_LIMIT_PER_IP = env_str("LOGIN_RATE_LIMIT_PER_IP", "30 per minute")
        self.LOGIN_RATE_LIMIT_PER_ACCOUNT = env_str("LOGIN_RATE_LIMIT_PER_ACCOUNT", "10 per minute")

        # Browser origins allowed to call the API (the web SPA); never "*".
        self.CORS_ORIGINS = env_list(
            "CORS_ORIGINS",
            ["http://localhost:3000", "http://127.0.0.1:3000", "http://localhost:5173"],
        )
        # base64 of 32 random bytes; prefer a key file (flask backup --key-file) in production.
        self.BACKUP_KEY = env_str("BACKUP_KEY", None)
        self.AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 400)
        # A JSON-lines copy of the erasure log outside the database (ids and times only):
        # flask restore replays it, so an erasure made after a backup is re-applied.
        self.ERASURE_LOG_PATH = env_str("ERASURE_LOG_PATH", "")
        # `flask attendance prune` deletes attendance older than this many years; 0 keeps all.
        self.ATTENDANCE_RETENTION_YEARS = env_int("ATTENDANCE_RETENTION_YEARS", 0)
        self.IDEMPOTENCY_TTL_SECONDS = env_int("IDEMPOTENCY_TTL_SECONDS", 24 * 3600)
        # A keyed request whose worker died can be taken over by a retry after this long;
        # longer than a normal write takes, short enough that a client's retry soon succeeds.
        self.IDEMPOTENCY_LEASE_SECONDS = env_int("IDEMPOTENCY_LEASE_SECONDS", 10)
        # Reverse proxies in front of the app (nginx: 1). Their X-Forwarded-For/-Proto are
        # trusted for that many hops; 0 (direct exposure) ignores them: they cannot be forged.
        self.TRUSTED_PROXIES = env_int("TRUSTED_PROXIES", 0)
        self.MAX_CONTENT_LENGTH = env_int("MAX_CONTENT_LENGTH", 1024 * 1024)
        self.PAGINATION_DEFAULT_LIMIT = env_int("PAGINATION_DEFAULT_LIMIT", 20)
        self.PAGINATION_MAX_LIMIT = env_int("PAGINATION_MAX_LIMIT", 100)
        # The legacy /api alias without page/limit answers whole lists up to this many items.
        self.LEGACY_LIST_CAP = env_int("LEGACY_LIST_CAP", 5000)
        self.READY_TIMEOUT_SECONDS = env_float("READY_TIMEOUT_SECONDS", 1.0)
        self.RETRY_AFTER_SECONDS = env_int("RETRY_AFTER_SECONDS", 5)
        self.DOCS_ENABLED = env_bool("DOCS_ENABLED", True)
        self.LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
        # /metrics: with a token, scrapers send it as a bearer token; without one it answers
        # loopback callers only, and in production nobody.
        self.METRICS_ENABLED = env_bool("METRICS_ENABLED", True)
        self.METRICS_TOKEN = env_str("METRICS_TOKEN", None)
        # MongoDB commands slower than this are logged (shape only, never values); unset: off.
        self.SLOW_QUERY_MS = env_float("SLOW_QUERY_MS", 100.0)
        # Record every query shape the repositories issue (for `flask db explain`).
        self.QUERY_SHAPE_REGISTRY = env_bool("QUERY_SHAPE_REGISTRY", True)
        self.MIGRATIONS_DIR = env_str(
            "MIGRATIONS_DIR",
            os.path.join(os.path.dirname(os.path.dirname(__file__)), "migrations"),
        )

    def validate(self):
        """Hook for refusing unsafe settings; development accepts anything."""


class TestingConfig(Config):
    """Settings for the test suite."""

    ENV_NAME = "testing"
    TESTING = True

    def __init__(self):
        super().__init__()
        self.MONGO_SERVER_SELECTION_TIMEOUT_MS = 1000
        self.MONGO_CONNECT_TIMEOUT_MS = 1000
        # The suite runs several servers at once on two cores: room for a busy moment.
        self.MONGO_OPERATION_TIMEOUT_MS = env_int("MONGO_OPERATION_TIMEOUT_MS", 5000)
        # Fast hashing keeps the suite quick; production refuses these (see validate).
        self.ARGON2_TIME_COST = 1
        self.ARGON2_MEMORY_COST = 1024


class ProductionConfig(Config):
    """Production: same variables, but insecure values are refused at start-up."""

    ENV_NAME = "production"

    def __init__(self):
        super().__init__()
        self.DOCS_ENABLED = env_bool("DOCS_ENABLED", False)
        self.QUERY_SHAPE_REGISTRY = env_bool("QUERY_SHAPE_REGISTRY", False)

    def validate(self):
        """Refuse default or short secrets, debug mode and a per-process limiter."""
        problems = []
        for name in ("SECRET_KEY", "JWT_SECRET", "QR_SECRET", "MFA_SECRET_KEY"):
            value = getattr(self, name)
            if value == DEV_SECRET or len(value.encode()) < 32:
                problems.append(f"{name} must be set to a random value of at least 32 bytes")
        if self.MFA_SECRET_KEY in (self.JWT_SECRET, self.SECRET_KEY):
            problems.append("MFA_SECRET_KEY must differ from JWT_SECRET and SECRET_KEY")
        if self.DEBUG:
            problems.append("debug mode must be off")
        if not self.RATELIMIT_ENABLED:
            problems.append("rate limiting must stay enabled")
        if "*" in self.CORS_ORIGINS:
            problems.append("CORS_ORIGINS must list origins, not '*'")
        if not argon2_meets_owasp(self.ARGON2_MEMORY_COST, self.ARGON2_TIME_COST):
            problems.append("Argon2 parameters are below OWASP's minimum")
        if not self.REDIS_URL:
            problems.append(
                "REDIS_URL is required (an in-memory limiter counts per worker and is useless)"
            )
        if problems:
            raise RuntimeError("Refusing to start in production: " + "; ".join(problems))


CONFIGS = {cls.ENV_NAME: cls for cls in (Config, TestingConfig, ProductionConfig)}


def load_config(config=None):
    """Build the configuration object: a Config instance, or EDUCATENEXT_ENV plus overrides."""
    if isinstance(config, Config):
        return config
    name = env_str("EDUCATENEXT_ENV", "development")
    if name not in CONFIGS:
        raise RuntimeError(f"EDUCATENEXT_ENV must be one of {sorted(CONFIGS)}, got {name!r}")
    loaded = CONFIGS[name]()
    for key, value in (config or {}).items():
        setattr(loaded, key, value)
    return loaded
