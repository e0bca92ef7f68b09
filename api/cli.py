"""The ``sunshine`` command line: ``serve``, ``migrate``, ``seed``, the supervision and
notification workers, the loaders of files, the audit's checkpoints and verification, tokens for
development. ``sunshine --help`` lists them all."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import asyncpg
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from api.settings import Settings

if TYPE_CHECKING:
    from starlette.applications import Starlette

log = logging.getLogger("sunshine.cli")


def database_url(settings: Settings) -> str:
    """DATABASE_URL when set; otherwise the embedded server under the data folder."""
    if settings.database_url:
        return settings.database_url
    from api import embedded

    return embedded.start(settings.data_dir)


def cmd_migrate(settings: Settings, args: argparse.Namespace) -> int:
    from db import migrate

    migrate.upgrade(database_url(settings))
    print("数据库已迁移到最新版本")
    return 0


def cmd_seed(settings: Settings, args: argparse.Namespace) -> int:
    import demo
    from db import migrate

    if args.exit_with:
        _exit_with(args.exit_with)

    url = database_url(settings)
    migrate.upgrade(url)
    parts = demo.PARTS if args.only is None else tuple(p for p in args.only.split(",") if p)
    counts = asyncio.run(
        demo.load(
            url,
            seed=args.seed,
            scale=args.scale,
            parts=parts,
            part_scale=args.data_scale,
            progress=_report_progress,
        )
    )
    print(
        "已载入："
        + ("，".join(f"{k} {v}" for k, v in counts.items()) if counts else "无（数据库中已有数据）")
    )
    return 0


def _report_progress(what: str, done: int, total: int) -> None:
    """How far a demo load has come: a line for people on stdout, one for machines in the log."""
    import demo

    share = done * 100 // total if total else 100
    print(f"示范数据载入中：{demo.LABELS.get(what, what)} {done:,}/{total:,}（{share}%）", flush=True)
    log.info("demo load progress", extra={"part": what, "done": done, "total": total})


def _exit_with(parent: int) -> None:
    """End this process when ``parent`` has gone, however it went (a SIGKILL included): a loader
    started by ``serve`` must not outlive it. Its work is one transaction a part, so an ended load
    leaves nothing half done."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    import demo
    from api import embedded
    from api.app import create_app, settle_heap
    from api.demo_load import DemoLoad
    from db import migrate

    workers = args.workers or ((os.cpu_count() or 1) if settings.redis_url else 1)
    if workers < 1:
        print("工作进程数须为正整数", file=sys.stderr)
        return 2
    if workers > 1 and not settings.redis_url:
        print(
            f"不能以 {workers} 个工作进程启动：未配置 REDIS_URL 时请求额度在每个进程内各自计数，"
            "调用方可用的额度会随进程数成倍放大。请配置 REDIS_URL，或只用 1 个进程。",
            file=sys.stderr,
        )
        return 2
    url = database_url(settings)
    # A killed embedded server is started again while serve runs, and never after.
    watching = embedded.keep_alive(settings.data_dir) if not settings.database_url else None
    migrate.upgrade(url)
    load = DemoLoad.none()
    if not args.no_seed:
        counts = asyncio.run(demo.load(url, seed=args.seed, scale=args.scale))
        if counts:
            log.info("demo county loaded", extra={"counts": counts})
        # A year of cases and three years of subsidies take about a minute to generate: the parts
        # the database lacks load in a process of their own while the server already answers.
        missing = asyncio.run(demo.missing_parts(url))
        if missing:
            load = DemoLoad.start(parts=missing, seed=args.seed, scale=args.scale, parent=os.getpid())
            names = "与".join(demo.LABELS[part] for part in missing)
            print(
                f"{names}示范数据正在后台载入（约需一分钟），进度见日志；/readyz 显示 demo: loading",
                flush=True,
            )
        else:
            load = DemoLoad.complete()
            print("示范数据已在数据库中，无需载入（试用的查询键：sunshine demo-keys）", flush=True)

    def run(target: Any, **workers_kwargs: Any) -> None:
        uvicorn.run(
            target,
            host=settings.host,
            port=settings.port,
            log_config=None,
            access_log=False,
            # uvicorn finishes in-flight requests on SIGTERM/SIGINT before the lifespan closes the pool.
            timeout_graceful_shutdown=30,
            # X-Forwarded-For only from the proxies named in TRUSTED_PROXIES (default: nobody).
            proxy_headers=bool(settings.trusted_proxies),
            forwarded_allow_ips=settings.trusted_proxies or None,
            # libuv's event loop and the C HTTP parser: measured here, 29–80 % more on the public paths.
            loop="uvloop",
            http="httptools",
            **workers_kwargs,
        )

    print(
        f"阳光政务 Sunshine 已启动：http://{settings.host}:{settings.port}/graphql（{workers} 个工作进程）",
        flush=True,
    )
    try:
        if workers == 1:
            app = create_app(settings, database_url=url)
            app.state.demo_load = load  # for /readyz
            settle_heap()
            run(app)
        else:
            # Each worker builds its own app (worker_app): the database this process settled on,
            # and the demo load's state, which only this process sees, through a file.
            state = (settings.data_dir / "demo-state").resolve()
            state.parent.mkdir(parents=True, exist_ok=True)
            load.record_to(state)
            os.environ[WORKER_DATABASE_URL] = url
            os.environ[WORKER_DEMO_STATE] = str(state)
            run("api.cli:worker_app", factory=True, workers=workers)
    finally:
        if watching is not None:
            watching.set()
        load.stop()
    return 0


WORKER_DATABASE_URL = "SUNSHINE_WORKER_DATABASE_URL"
WORKER_DEMO_STATE = "SUNSHINE_WORKER_DEMO_STATE"


def worker_app() -> Starlette:
    """The app of one of ``serve --workers N``'s processes (uvicorn calls this in each). Budgets are
    shared through Redis, the answer cache follows the database's notifications in every process,
    and supervision sweeps lock what they work on, so N processes answer as one."""
    from api.app import create_app, settle_heap
    from api.demo_load import DemoLoad
    from api.observability import configure_logging

    settings = Settings.from_env()
    configure_logging(settings.log_level)
    app = create_app(settings, database_url=os.environ[WORKER_DATABASE_URL])
    app.state.demo_load = DemoLoad.recorded(Path(os.environ[WORKER_DEMO_STATE]))
    settle_heap()
    return app


def cmd_demo_keys(settings: Settings, args: argparse.Namespace) -> int:
    """Real keys of the demo county as loaded, to try the public API with: case numbers with their
    receipt codes, a household for the real-name lookup, a notice list, a long process map."""
    from demo import keys

    url = database_url(settings)

    async def main() -> keys.DemoKeys:
        conn = await asyncpg.connect(url)
        try:
            return await keys.find(conn, seed=args.seed, today=today_of(settings, None))
        finally:
            await conn.close()

    found = asyncio.run(main())
    if args.shell:
        print("\n".join(found.shell()))
        return 0
    print("\n".join(found.lines(seed=args.seed)))
    return 0


def today_of(settings: Settings, as_of: str | None) -> date:
    if as_of:
        return date.fromisoformat(as_of)
    from domain.calendar import china_day

    return settings.today or china_day(datetime.now(UTC))


def _repeat(url: str, every: float, round_: Callable[[asyncpg.Pool], Awaitable[str]]) -> int:
    """Run one round of a worker, or one every ``every`` seconds, printing each round's report."""

    async def main() -> None:
        pool = await asyncpg.create_pool(url, min_size=1, max_size=2)
        try:
            while True:
                print(await round_(pool), flush=True)
                if not every:
                    return
                await asyncio.sleep(every)
        finally:
            await pool.close()

    asyncio.run(main())
    return 0


def cmd_supervise(settings: Settings, args: argparse.Namespace) -> int:
    """One sweep of the supervision rules over every open case (cron it, or use --every); with
    --dry-run, what it would raise, written nowhere. A day after today is refused without it."""
    from api.workers import china_today, preview_sweep, run_sweep
    from domain.calendar import parse_day
    from domain.supervision import COLOR_LABELS, RULE_LABELS

    try:
        day = parse_day(args.as_of) if args.as_of else today_of(settings, None)
    except ValueError as exc:
        print(f"错误：--as-of {exc}", file=sys.stderr)
        return 2
    if day > china_today() and not args.dry_run:
        print(
            f"错误：{day} 晚于今天（{china_today()}，北京时间），不能按未来的日期检查：那会给尚未逾期的"
            "办件发牌、锁定办件并发出通知。只想看看会发生什么，请加 --dry-run（只报告，不写入）",
            file=sys.stderr,
        )
        return 2

    async def sweep(pool: asyncpg.Pool) -> str:
        if args.dry_run:
            preview = await preview_sweep(pool, today=day)
            lines = [
                f"试运行，未写入任何数据：按 {day} 检查 {preview.cases_checked} 件在办件，"
                f"将发监察卡 {preview.cards} 张、锁定办件 {sum(r.locks for r in preview.raised)} 件、"
                f"发出通知 {sum(r.notifications for r in preview.raised)} 条，"
                f"将有 {preview.cards_superseded} 张黄牌被红牌取代"
            ]
            lines += [
                f"  {COLOR_LABELS[r.color]} {RULE_LABELS.get(r.rule_code, r.rule_code)}（{r.rule_code}）："
                f"{r.cards} 张，锁定 {r.locks} 件，通知 {r.notifications} 条"
                for r in preview.raised
            ]
            return "\n".join(lines)
        result = await run_sweep(pool, today=day)
        return (
            f"已检查 {result.cases_checked} 件在办件，新发监察卡 {result.cards_raised} 张，"
            f"{result.cards_superseded} 张黄牌被红牌取代"
        )

    return _repeat(database_url(settings), args.every, sweep)


def cmd_notify(settings: Settings, args: argparse.Namespace) -> int:
    """Deliver due notifications from the outbox (log by default, NOTIFY_WEBHOOK_URL when set)."""
    from api.workers import make_sender
    from services.notifications import deliver

    sender = make_sender(settings)

    async def deliver_due(pool: asyncpg.Pool) -> str:
        result = await deliver(pool, sender=sender)
        return (
            f"送达 {result.delivered} 条，失败待重试 {result.failed} 条，"
            f"收件人退避中暂缓 {result.deferred} 条（共 {result.batches} 批，已无到期待发的通知）"
        )

    return _repeat(database_url(settings), args.every, deliver_due)


def cmd_calendar(settings: Settings, args: argparse.Namespace) -> int:
    """Load or replace a year's working-day calendar (CSV, or the State Council's notice) and
    recompute the due dates of the open cases it moves, in one transaction."""
    from domain.calendar_notice import read_calendar
    from domain.errors import InvalidInput
    from services import calendar

    text = _read_file(args.file)
    if text is None:
        return 1
    stem = Path(args.file).stem
    year = args.year or (int(stem) if stem.isdigit() and len(stem) == 4 else None)
    url = database_url(settings)

    async def main() -> calendar.CalendarLoad:
        conn = await asyncpg.connect(url)
        try:
            return await calendar.load_year(conn, calendar=parsed, source=Path(args.file).name)
        finally:
            await conn.close()

    try:
        parsed = read_calendar(text, year=year)
        loaded = asyncio.run(main())
    except InvalidInput as exc:
        print(f"错误：{exc.message}", file=sys.stderr)
        return 1
    form = "CSV" if parsed.form == "csv" else "国务院办公厅通知"
    print(
        f"已{'替换' if loaded.replaced else '载入'} {loaded.year} 年工作日历（{form}）：节假日与调休上班日 "
        f"{loaded.days} 天；重算在办件 {loaded.cases_checked} 件，办结日期变动 {loaded.cases_changed} 件"
    )
    return 0


def cmd_publish_ranking(settings: Settings, args: argparse.Namespace) -> int:
    """Publish (and so freeze) the rankings of ended periods: those named, or every month and
    quarter that has ended and was never published (cron it for the first of each month)."""
    from domain.calendar import CHINA, moment_on
    from domain.errors import DomainError
    from domain.performance import parse_period
    from services import performance

    today = today_of(settings, args.as_of)

    async def main() -> int:
        conn = await asyncpg.connect(database_url(settings))
        try:
            periods = [parse_period(p) for p in args.periods] or None
            now = moment_on(today, datetime.now(UTC))
            rankings = await performance.publish(conn, periods=periods, today=today, now=now)
        except DomainError as exc:
            print(f"错误：{exc.message}（{exc.code}）", file=sys.stderr)
            return 2
        finally:
            await conn.close()
        for r in rankings:
            when = r.published_at.astimezone(CHINA).isoformat()
            state = "已公布" if r.published_at == now else "早已公布，未改动"
            print(f"{r.period.label}：{state}（{when}），更正 {len(r.corrections)} 项")
        return 0

    return asyncio.run(main())


def _audit_public_key(settings: Settings) -> Ed25519PublicKey | None:
    """The checkpoints' public key: AUDIT_PUBLIC_KEY, else the signing key's own half."""
    if settings.audit_public_key is not None:
        key = serialization.load_pem_public_key(settings.audit_public_key.read_bytes())
        if not isinstance(key, Ed25519PublicKey):
            raise SystemExit(f"{settings.audit_public_key} 不是 Ed25519 公钥")
        return key
    if settings.audit_key_path.exists():
        return _audit_signing_key(settings).public_key()
    return None


def _audit_signing_key(settings: Settings) -> Ed25519PrivateKey:
    from api.auth import ensure_dev_key

    if not settings.audit_key_path.exists() and not settings.dev:
        raise SystemExit(f"没有审计签名密钥：请用 AUDIT_SIGNING_KEY 指定（{settings.audit_key_path} 不存在）")
    return ensure_dev_key(settings.audit_key_path)


def cmd_audit_verify(settings: Settings, args: argparse.Namespace) -> int:
    """Recompute the audit chain against its signed checkpoints (in the database and the copy
    kept beside the key); exit 1 and name the first broken record if it was altered, re-hashed or
    removed, or if checkpoints exist and there is no key to check them."""
    from db import audit as db_audit
    from services import audit

    url = database_url(settings)
    public_key = _audit_public_key(settings)
    kept_file = settings.audit_checkpoint_log
    lines = kept_file.read_text(encoding="utf-8").splitlines() if kept_file.exists() else []
    kept = [audit.checkpoint_of(line) for line in lines if line.strip()]

    async def main() -> int:
        conn = await asyncpg.connect(url)
        try:
            if public_key is None and (kept or await db_audit.list_checkpoints(conn)):
                print("审计链有签名检查点，但未配置公钥（AUDIT_PUBLIC_KEY），无法核对", file=sys.stderr)
                return 1
            result = await audit.verify(conn, public_key=public_key, kept=kept)
        finally:
            await conn.close()
        if result.ok:
            signed = "已核对签名检查点" if public_key is not None else "未配置检查点公钥，只核对了链本身"
            print(f"审计链完整：共 {result.checked} 条；{signed}；末条哈希 {result.last_hash.hex()}")
            return 0
        print(f"审计链断裂：{result.reason}（在此之前 {result.checked} 条完好）", file=sys.stderr)
        return 1

    return asyncio.run(main())


def cmd_audit_checkpoint(settings: Settings, args: argparse.Namespace) -> int:
    """Sign the audit chain's head into a checkpoint (run it from cron, e.g. hourly)."""
    from services import audit

    url = database_url(settings)
    key = _audit_signing_key(settings)

    async def main() -> int:
        conn = await asyncpg.connect(url)
        try:
            checkpoint = await audit.sign_head(conn, key=key, at=datetime.now(UTC))
        finally:
            await conn.close()
        if checkpoint is None:
            print("审计链为空，无需签名")
            return 0
        # A copy outside the database: deleting checkpoints there hides nothing from audit-verify.
        with settings.audit_checkpoint_log.open("a", encoding="utf-8") as kept:
            kept.write(audit.checkpoint_line(checkpoint) + "\n")
        print(f"已签名检查点：第 {checkpoint.entry_id} 条，哈希 {checkpoint.entry_hash.hex()}")
        return 0

    return asyncio.run(main())


def _read_file(path: str) -> str | None:
    """A department's file as CSV text (UTF-8 or GB18030 CSV, or .xlsx); None, with the reason
    printed in Chinese, when the file itself cannot be read."""
    from services.tabular import BadFile, read_as_csv

    try:
        return read_as_csv(Path(path))
    except BadFile as exc:
        print(f"错误：{exc.message}", file=sys.stderr)
        return None


async def _department_id(pool: asyncpg.Pool, code: str) -> int | None:
    from db import org

    found = await org.list_departments_by_code(pool, codes=[code])
    if not found:
        print(f"错误：部门 {code} 不存在", file=sys.stderr)
        return None
    return found[0].id


def cmd_import_cases(settings: Settings, args: argparse.Namespace) -> int:
    """Historical case events from a file (one event a row), with the API's checks and a
    row-numbered report."""
    from db import calendar
    from domain.calendar import moment_on
    from services.case_import import import_csv

    text = _read_file(args.file)
    if text is None:
        return 1
    url = database_url(settings)

    async def main() -> int:
        pool = await asyncpg.create_pool(url, min_size=1, max_size=2)
        try:
            department_id = await _department_id(pool, args.department)
            if department_id is None:
                return 2
            report = await import_csv(
                pool,
                text=text,
                source=args.department,
                department_id=department_id,
                calendar=await calendar.get_calendar(pool),
                now=moment_on(settings.today, datetime.now(UTC)) if settings.today else datetime.now(UTC),
            )
        finally:
            await pool.close()
        print(
            f"共 {report.rows} 行：已导入 {report.applied}，重复 {report.duplicates}，"
            f"有问题 {len(report.problems)}"
        )
        for problem in report.problems:
            print(problem)
        if report.cards:
            print(f"历史事件引发监察卡 {len(report.cards)} 张（已记录，未锁定办件）：")
            for card in report.cards:
                print(card)
        return 1 if report.problems else 0

    return asyncio.run(main())


def cmd_load_subsidy(settings: Settings, args: argparse.Namespace) -> int:
    """Funds, households, the officials' registry and its relatives, or money records from a file,
    with a row-numbered report; then the red flags over the money loaded."""
    from services import red_flags, subsidy_load

    text = _read_file(args.file)
    if text is None:
        return 1
    url = database_url(settings)

    async def main() -> int:
        pool = await asyncpg.create_pool(url, min_size=1, max_size=2)
        since = None
        try:
            department_id = None
            if args.department:
                department_id = await _department_id(pool, args.department)
                if department_id is None:
                    return 2
            async with pool.acquire() as conn:
                if args.kind == "households":
                    report = await subsidy_load.load_households(conn, text=text)
                elif args.kind == "officials":
                    report = await subsidy_load.load_officials(conn, text=text)
                elif args.kind == "relatives":
                    report = await subsidy_load.load_relatives(conn, text=text)
                elif department_id is None:
                    print("错误：资金目录和资金流转须用 --department 指定部门", file=sys.stderr)
                    return 2
                elif args.kind == "funds":
                    report = await subsidy_load.load_funds(conn, text=text, department_id=department_id)
                else:
                    report, since = await subsidy_load.load_money(
                        conn, text=text, department_id=department_id
                    )
            if since is not None:
                flags = await red_flags.run(pool, since=since, until=today_of(settings, None))
                print(f"疑点规则：新增预警 {flags.total} 条 {flags.raised}")
        finally:
            await pool.close()
        print(
            f"共 {report.rows} 行：已导入 {report.applied}，重复 {report.repeated}，"
            f"有问题 {len(report.problems)}"
        )
        for problem in report.problems:
            print(problem)
        return 1 if report.problems else 0

    return asyncio.run(main())


def cmd_red_flags(settings: Settings, args: argparse.Namespace) -> int:
    """Re-run the subsidy red-flag rules for payments from a period on (raises nothing twice)."""
    from services import red_flags

    url = database_url(settings)

    async def main() -> None:
        pool = await asyncpg.create_pool(url, min_size=1, max_size=2)
        try:
            result = await red_flags.run(
                pool, since=date.fromisoformat(args.since), until=today_of(settings, args.as_of)
            )
        finally:
            await pool.close()
        print(f"新增预警 {result.total} 条：{result.raised}")

    asyncio.run(main())
    return 0


def cmd_manifest(settings: Settings, args: argparse.Namespace) -> int:
    """Write public_queries/manifest.json (each vetted document's SHA-256 id and operation)."""
    from api.public_queries import DEFAULT_DIR, MANIFEST, PublicQueries, manifest_text

    (DEFAULT_DIR / MANIFEST).write_text(manifest_text(PublicQueries.load()), encoding="utf-8")
    print(f"已写入 {DEFAULT_DIR / MANIFEST}")
    return 0


def cmd_token(settings: Settings, args: argparse.Namespace) -> int:
    from api.auth import mint_dev_token
    from domain.viewer import Role

    try:
        token = mint_dev_token(
            settings,
            role=Role(args.role),
            department_code=args.dept,
            staff_no=args.staff,
            ttl_s=args.ttl,
            region_code=args.region,
        )
    except ValueError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    print(token)
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="sunshine", description="阳光政务 Sunshine")
    sub = p.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="迁移数据库、（空库时）载入示范县数据并启动服务")
    serve.add_argument("--no-seed", action="store_true", help="不载入示范数据")
    serve.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("WEB_CONCURRENCY") or 0),
        help="工作进程数（默认：配置了 REDIS_URL 时为 CPU 核数，否则 1；多于 1 个须配置 REDIS_URL）",
    )
    seed = sub.add_parser("seed", help="迁移并在空库中载入示范县数据")
    for command in (serve, seed):
        command.add_argument("--seed", type=int, default=20261122, help="随机种子（相同种子得到相同数据）")
        command.add_argument("--scale", type=float, default=1.0, help="规模倍数")
    seed.add_argument("--only", help="只载入这些部分（逗号分隔：cases,subsidies；空则只载入权力清单）")
    seed.add_argument("--data-scale", type=float, help="办件与补助的规模倍数（基准测试用，如 10）")
    seed.add_argument("--exit-with", type=int, help=argparse.SUPPRESS)  # serve's pid: end with it
    sub.add_parser("migrate", help="把数据库迁移到最新版本")
    supervise = sub.add_parser("supervise", help="电子监察：按时限规则检查全部在办件（可多进程同时运行）")
    supervise.add_argument("--as-of", help="按此日期检查（YYYY-MM-DD），默认今天")
    supervise.add_argument("--every", type=float, default=0, help="每隔若干秒重复一次")
    supervise.add_argument(
        "--dry-run",
        action="store_true",
        help="试运行：只报告将发的监察卡、锁定与通知，不写入（可用未来日期）",
    )
    notify = sub.add_parser("notify", help="投递待发的监察通知")
    notify.add_argument("--every", type=float, default=0, help="每隔若干秒重复一次")
    calendar = sub.add_parser("calendar", help="工作日历")
    calendar_sub = calendar.add_subparsers(dest="calendar_command", required=True)
    calendar_load = calendar_sub.add_parser(
        "load", help="载入或替换一年的工作日历，并重算受影响在办件的办结日期（同一事务）"
    )
    calendar_load.add_argument(
        "file", help="CSV（date,is_working,name，同 data/calendar/<年>.csv）或国务院办公厅放假安排通知的正文"
    )
    calendar_load.add_argument("--year", type=int, help="年份（默认取文件名或文件内容中的年份）")
    sub.add_parser("audit-verify", help="校验个人信息查看审计链及其签名检查点，报告第一处断裂")
    sub.add_parser("audit-checkpoint", help="用审计签名密钥为审计链末条签名（建议每小时运行）")
    from services.case_import import COLUMNS

    importer = sub.add_parser(
        "import-cases",
        help="从 CSV 导入历史办件事件（每行一个事件），逐行报告问题和引发的监察卡",
        description="首行为列名（顺序不限，可选列可省略）；含未知列的文件一行也不导入。"
        "历史事件引发的监察卡照常记录并列入报告，但不锁定办件。",
        epilog="列：\n" + "\n".join(f"  {name:<22}{meaning}" for name, meaning in COLUMNS),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    importer.add_argument("file", help="CSV（UTF-8 或 GB18030）或 Excel（.xlsx）文件，首行为列名")
    importer.add_argument("--department", required=True, help="报送部门编码")
    subsidy = sub.add_parser(
        "load-subsidy", help="导入资金目录、户籍成员、公职人员及其备案亲属名册或资金流转记录，逐行报告问题"
    )
    subsidy.add_argument("kind", choices=["funds", "households", "officials", "relatives", "money"])
    subsidy.add_argument("file", help="CSV（UTF-8 或 GB18030）或 Excel（.xlsx）文件，首行为列名")
    subsidy.add_argument("--department", help="主管部门编码（funds、money 必填）")
    sub.add_parser("manifest", help="重新生成 public_queries/manifest.json")
    keys = sub.add_parser("demo-keys", help="列出示范县中真实可查的办件号与查询码、户、公示名单、流程图")
    keys.add_argument("--seed", type=int, default=20261122, help="载入示范数据时用的随机种子")
    keys.add_argument("--shell", action="store_true", help="输出 shell 的 export 语句（供 eval）")
    flags = sub.add_parser("red-flags", help="对某日以来的补助运行疑点规则（不重复预警）")
    flags.add_argument("--since", required=True, help="所属期起（YYYY-MM-DD）")
    flags.add_argument("--as-of", help="按此日期判断（YYYY-MM-DD），默认今天")
    publish = sub.add_parser("publish-ranking", help="公布并冻结已结束考核期的部门绩效排名")
    publish.add_argument(
        "periods", nargs="*", help="考核期（2026-10、2026Q3）；不填则公布全部已结束而未公布的"
    )
    publish.add_argument("--as-of", help="按此日期判断考核期是否结束（YYYY-MM-DD），默认今天")
    token = sub.add_parser("token", help="用开发密钥签发令牌（仅供开发与测试）")
    token.add_argument("--role", choices=["department", "discipline", "township"], required=True)
    token.add_argument("--dept", help="部门编码（部门令牌必填）")
    token.add_argument("--region", help="乡镇（街道）9 位区划代码（township 令牌必填）")
    token.add_argument("--staff", help="工号")
    token.add_argument("--ttl", type=int, default=8 * 3600, help="有效期（秒）")
    return p


COMMANDS = {
    "serve": cmd_serve,
    "migrate": cmd_migrate,
    "seed": cmd_seed,
    "token": cmd_token,
    "supervise": cmd_supervise,
    "notify": cmd_notify,
    "calendar": cmd_calendar,
    "audit-verify": cmd_audit_verify,
    "audit-checkpoint": cmd_audit_checkpoint,
    "import-cases": cmd_import_cases,
    "load-subsidy": cmd_load_subsidy,
    "red-flags": cmd_red_flags,
    "publish-ranking": cmd_publish_ranking,
    "manifest": cmd_manifest,
    "demo-keys": cmd_demo_keys,
}


def main(argv: Sequence[str] | None = None) -> int:
    from api.observability import configure_logging

    args = parser().parse_args(argv)
    settings = Settings.from_env()
    configure_logging(settings.log_level)
    return COMMANDS[args.command](settings, args)


if __name__ == "__main__":
    sys.exit(main())
