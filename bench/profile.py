"""Queries and in-process time per request of each scenario, on the seeded bench database.

    python -m bench.profile [--repeat 200]

Runs after `python -m bench` (which leaves kv_bench seeded): each scenario's request goes
through django.test.Client (the full middleware stack, no HTTP) under
CaptureQueriesContext; prints the query count, the SQL of one request and the mean time.
"""

import argparse
import base64
import hashlib
import json
import os
import time
from urllib.parse import urlencode

from bench.run import DEFAULT_DATABASE_URL, bench_environment, setup_django


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile")
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    )
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--sql", action="store_true", help="print each request's SQL")
    parser.add_argument(
        "--cprofile", metavar="NAME", help="cProfile this request type (e.g. 'click Complete')"
    )
    args = parser.parse_args(argv)
    environment = bench_environment(args.database_url)
    setup_django(environment)
    from django.conf import settings
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from auctions.models import Auction, AuctionPayment
    from auctions.money import format_sum, sum_to_tiyin
    from bench import seed

    client = Client()
    fee = settings.AUCTION_LISTING_FEE
    payme_headers = {
        "HTTP_AUTHORIZATION": "Basic "
        + base64.b64encode(f"Paycom:{settings.PAYME_KEY}".encode()).decode()
    }
    fresh = {
        provider: iter(seed.fresh_payment_ids(provider)[-args.repeat * 2 - 10 :])
        for provider in ("click", "payme")
    }
    hot = Auction.objects.filter(status="active", is_paid=True).order_by("id").first()
    token = (
        __import__("rest_framework.authtoken.models", fromlist=["Token"])
        .Token.objects.order_by("user_id")
        .first()
    )
    floor_id = AuctionPayment.objects.filter(status="completed").values_list(
        "merchant_trans_id", flat=True
    )[0]
    counter = {"n": time.time_ns() // 1000 % 10**13}
    state = {}

    def payme(method, params):
        counter["n"] += 1
        body = {"jsonrpc": "2.0", "id": counter["n"], "method": method, "params": params}
        return client.post(
            "/api/payments/payme/",
            json.dumps(body),
            content_type="application/json",
            **payme_headers,
        )

    def click(path, payment, action, prepare_id=None):
        if action == "0":
            counter["n"] += 1
            state["click_trans_id"] = str(counter["n"])
        fields = {
            "click_trans_id": state["click_trans_id"],
            "service_id": settings.CLICK_SERVICE_ID,
            "click_paydoc_id": state["click_trans_id"],
            "merchant_trans_id": payment,
            "amount": format_sum(fee),
            "action": action,
            "error": "0",
            "error_note": "",
            "sign_time": "2025-01-15 10:30:00",
        }
        text = fields["click_trans_id"] + fields["service_id"] + settings.CLICK_SECRET_KEY
        text += payment + (prepare_id or "") + fields["amount"] + action + fields["sign_time"]
        fields["sign_string"] = hashlib.md5(text.encode()).hexdigest()  # noqa: S324 -- Click's
        if prepare_id:
            fields["merchant_prepare_id"] = prepare_id
        # As Click sends it (the test client's default, multipart, costs several times more).
        return client.post(
            path, urlencode(fields), content_type="application/x-www-form-urlencoded"
        )

    def click_prepare():
        state["click"] = next(fresh["click"])
        answer = click("/api/payments/click/prepare/", state["click"], "0").json()
        state["prepare_id"] = str(answer["merchant_prepare_id"])

    def click_complete():
        answer = click("/api/payments/click/complete/", state["click"], "1", state["prepare_id"])
        assert answer.json()["error"] == 0, answer.content

    def payme_create():
        state["payme"] = next(fresh["payme"])
        state["payme_id"] = f"profile{counter['n']:017d}"[-24:]
        answer = payme(
            "CreateTransaction",
            {
                "id": state["payme_id"],
                "time": int(time.time() * 1000),
                "amount": sum_to_tiyin(fee),
                "account": {settings.PAYME_ACCOUNT_FIELD: state["payme"]},
            },
        )
        assert "result" in answer.json(), answer.content

    def payme_check_transaction():
        payme("CheckTransaction", {"id": state["payme_id"]})

    def payme_perform():
        answer = payme("PerformTransaction", {"id": state["payme_id"]})
        assert answer.json()["result"]["state"] == 2, answer.content

    def payme_check_perform():
        payme(
            "CheckPerformTransaction",
            {
                "amount": sum_to_tiyin(fee),
                "account": {settings.PAYME_ACCOUNT_FIELD: state.get("check", next(fresh["payme"]))},
            },
        )

    def floor():
        client.get(f"/bench/floor/{floor_id}/")

    def bid():
        state["bid"] = state.get("bid", hot.next_minimum_bid() + 1000) + 1
        amount = f"{state['bid']:.2f}"
        client.post(
            f"/api/auctions/{hot.pk}/bids/",
            json.dumps({"amount": amount}),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Token {token.key}",
        )

    steps = [
        ("floor", floor),
        ("payme CheckPerformTransaction", payme_check_perform),
        ("click Prepare", click_prepare),
        ("click Complete", click_complete),
        ("payme CreateTransaction", payme_create),
        ("payme CheckTransaction", payme_check_transaction),
        ("payme PerformTransaction", payme_perform),
        ("bid", bid),
    ]
    state["check"] = next(fresh["payme"])
    for _name, step in steps:  # warm: imports, caches
        step()
    if args.cprofile:
        return _cprofile(dict(steps), args.cprofile, args.repeat)
    counts = {}
    timings = {name: 0.0 for name, _ in steps}
    sql = {}
    for _ in range(args.repeat):
        for name, step in steps:
            reset_queries()  # the query log is capped (9,000); a full one counts nothing
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                step()
            timings[name] += time.perf_counter() - started
            counts[name] = len(queries)
            sql[name] = [query["sql"] for query in queries.captured_queries]
    print(f"{'request':<32}{'queries':>8}{'ms in-process':>15}")
    for name, _ in steps:
        print(f"{name:<32}{counts[name]:>8}{timings[name] / args.repeat * 1000:>15.2f}")
        if args.sql:
            for query in sql[name]:
                print("    " + query[:300])
    return 0


def _cprofile(steps: dict, name: str, repeat: int) -> int:
    """Run the whole cycle `repeat` times, profiling only the `name` step; print the top."""
    import cProfile
    import pstats

    if name not in steps:
        raise SystemExit(f"--cprofile: one of {', '.join(steps)}")
    profiler = cProfile.Profile()
    for _ in range(repeat):
        for step_name, step in steps.items():
            if step_name == name:
                profiler.runcall(step)
            else:
                step()
    stats = pstats.Stats(profiler).sort_stats("tottime")
    stats.print_stats(35)
    stats.sort_stats("cumulative").print_stats(45)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
