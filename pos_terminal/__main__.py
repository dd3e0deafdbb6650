"""Command line of the reference POS terminal.

    python -m pos_terminal --db t1.sqlite --server http://127.0.0.1:8000 \\
        --shop-host goldenrose.localhost enroll --code ABCD1234 --name "Counter 2"
    python -m pos_terminal --db t1.sqlite pull
    python -m pos_terminal --db t1.sqlite sell --item R-0001 --pay cash
    python -m pos_terminal --db t1.sqlite push

Server and shop host are remembered at enrolment. Exit status: 0 ok, 1 a
terminal or server error (message on stderr), 2 bad usage, 3 device revoked.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import asdict

from pos_terminal import __version__
from pos_terminal.client import Terminal
from pos_terminal.errors import DeviceRevoked, TerminalError
from pos_terminal.pricing import money


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m pos_terminal", description="Reference offline POS terminal (sync protocol v1).")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--db", default=os.environ.get("POS_TERMINAL_DB", "pos_terminal.sqlite"),
                        help="the terminal's SQLite store, one file per terminal (env POS_TERMINAL_DB)")
    parser.add_argument("--server", default=os.environ.get("POS_SERVER_URL"),
                        help="base URL to connect to, e.g. http://127.0.0.1:8000 (env POS_SERVER_URL; remembered at enrolment)")
    parser.add_argument("--shop-host", default=os.environ.get("POS_SHOP_HOST"),
                        help="the shop's host name, sent as the Host header (default: the server URL's host)")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per HTTP request (default 10)")
    parser.add_argument("--max-attempts", type=int, default=6, help="tries per call on network errors and 5xx (default 6)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    enroll = commands.add_parser("enroll", help="enrol this terminal with a one-time code")
    enroll.add_argument("--code", required=True)
    enroll.add_argument("--name", required=True)
    enroll.add_argument("--fingerprint")
    enroll.add_argument("--app-version")

    commands.add_parser("status", help="handshake: server time, limits, last applied seq")
    commands.add_parser("pull", help="pull catalogue changes from the server")

    sell = commands.add_parser("sell", help="price and record a sale offline; prints the receipt number")
    sell.add_argument("--item", action="append", required=True, help="item id, SKU or barcode (repeat for more lines)")
    sell.add_argument("--qty", action="append", type=int, help="quantity of the matching --item (default 1)")
    sell.add_argument("--customer", help="customer id")
    sell.add_argument("--pay", action="append", metavar="METHOD[:AMOUNT]",
                      help="a payment, e.g. cash:1000000 or card (no amount: the rest); default: cash for the total")

    customer = commands.add_parser("customer", help="record a new customer offline")
    customer.add_argument("--name", required=True)
    customer.add_argument("--phone", required=True)
    customer.add_argument("--email", default="")

    void = commands.add_parser("void", help="record the void of a sale made here")
    void.add_argument("sale", help="receipt number or client_sale_id")
    void.add_argument("--reason", default="")

    push = commands.add_parser("push", help="send pending operations to the server")
    push.add_argument("--max-batch", type=int, help="at most this many operations per request")
    commands.add_parser("sync", help="push, then pull")

    queue = commands.add_parser("queue", help="list local operations and their state")
    queue.add_argument("--state", choices=("pending", "applied", "duplicate", "rejected"))
    commands.add_parser("items", help="list the pulled items with their price now")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        with Terminal(args.db, args.server, args.shop_host, timeout=args.timeout, max_attempts=args.max_attempts) as terminal:
            return COMMANDS[args.command](terminal, args)
    except DeviceRevoked as exc:
        print(f"error: this device was revoked: {exc}", file=sys.stderr)
        return 3
    except (TerminalError, ValueError, LookupError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def _out(args, data, text: str) -> int:
    print(json.dumps(data, indent=2, default=str) if args.json else text)
    return 0


def cmd_enroll(terminal: Terminal, args) -> int:
    device = terminal.enroll(args.code, args.name, fingerprint=args.fingerprint, app_version=args.app_version)
    data = {k: v for k, v in asdict(device).items() if k != "token"}
    return _out(args, data, f"enrolled device {device.device_id} ({device.receipt_prefix}) in branch {device.branch.get('name')}")


def cmd_status(terminal: Terminal, args) -> int:
    data = terminal.status()
    text = "\n".join(f"{k}: {v}" for k, v in data.items()) + f"\npending_locally: {terminal.store.pending_count()}"
    return _out(args, data, text)


def cmd_pull(terminal: Terminal, args) -> int:
    summary = terminal.pull()
    changed = ", ".join(f"{k} {v}" for k, v in summary.changes.items() if v) or "nothing new"
    return _out(args, asdict(summary), f"pulled {summary.pages} page(s){' after a full resync' if summary.full_resync else ''}: {changed}")


def cmd_sell(terminal: Terminal, args) -> int:
    quantities = args.qty or []
    if len(quantities) > len(args.item):
        raise ValueError("more --qty than --item")
    lines = [(item, quantities[i] if i < len(quantities) else 1) for i, item in enumerate(args.item)]
    payments = None
    if args.pay:
        payments = [tuple(p.split(":", 1)) if ":" in p else (p, None) for p in args.pay]
    sale = terminal.sell(lines, customer_id=args.customer, payments=payments)
    for warning in sale.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    data = {"receipt_number": sale.receipt_number, "seq": sale.operation.seq, "op_id": sale.operation.op_id,
            "client_sale_id": sale.operation.client_sale_id, "total": money(sale.total), "payload": sale.operation.payload}
    return _out(args, data, sale.receipt_number)


def cmd_customer(terminal: Terminal, args) -> int:
    op = terminal.create_customer(args.name, args.phone, args.email)
    return _out(args, {"seq": op.seq, "customer_id": op.payload["id"]}, op.payload["id"])


def cmd_void(terminal: Terminal, args) -> int:
    op = terminal.void(args.sale, args.reason)
    return _out(args, {"seq": op.seq, "op_id": op.op_id, "payload": op.payload}, f"void queued as operation {op.seq}")


def cmd_push(terminal: Terminal, args) -> int:
    summary = terminal.push(max_batch=args.max_batch)
    text = (f"applied {summary.applied}, duplicate {summary.duplicate}, rejected {summary.rejected}, "
            f"retry {summary.retry}; {summary.pending} pending")
    for conflict in summary.conflicts:
        text += f"\nconflict: {json.dumps(conflict)}"
    for rejection in summary.rejections:
        text += f"\nrejected: {json.dumps(rejection)}"
    return _out(args, asdict(summary), text)


def cmd_sync(terminal: Terminal, args) -> int:
    pushed, pulled = terminal.sync()
    text = (f"pushed: applied {pushed.applied}, duplicate {pushed.duplicate}, rejected {pushed.rejected}, retry {pushed.retry}; "
            f"pulled {pulled.pages} page(s)")
    return _out(args, {"push": asdict(pushed), "pull": asdict(pulled)}, text)


def cmd_queue(terminal: Terminal, args) -> int:
    ops = terminal.store.operations(state=args.state)
    rows = [f"{op.seq:>6}  {op.state:<9}  {op.type:<15}  {op.receipt_number or op.payload.get('receipt_number') or '-':<14}  "
            f"{op.invoice_number or '-':<12}  {op.occurred_at}" for op in ops]
    header = f"{'seq':>6}  {'state':<9}  {'type':<15}  {'receipt':<14}  {'invoice':<12}  occurred_at"
    return _out(args, [asdict(op) for op in ops], "\n".join([header, *rows]))


def cmd_items(terminal: Terminal, args) -> int:
    items, data = terminal.store.rows("items"), []
    rows = [f"{'sku':<16}  {'name':<30}  {'qty':>4}  price"]
    for item in sorted(items, key=lambda i: i.get("sku") or ""):
        try:
            price = money(terminal.quote(item["id"])[0][0].unit_price)
        except TerminalError as exc:
            price = f"({exc})"
        data.append({**item, "price_now": price})
        rows.append(f"{item.get('sku', ''):<16}  {item.get('name', '')[:30]:<30}  {item.get('quantity', ''):>4}  {price}")
    return _out(args, data, "\n".join(rows))


COMMANDS = {
    "enroll": cmd_enroll, "status": cmd_status, "pull": cmd_pull, "sell": cmd_sell, "customer": cmd_customer,
    "void": cmd_void, "push": cmd_push, "sync": cmd_sync, "queue": cmd_queue, "items": cmd_items,
}

if __name__ == "__main__":
    sys.exit(main())
