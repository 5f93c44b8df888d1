"""Moderation commands: flag/unflag, pick/unpick, provider, delete-model, sessions.

Like the other platform commands (`platform_cmd`), each opens the database, acts as an
operator named after the local user and calls one service function of `podium.platform`.
"""

from __future__ import annotations

from podium.cli.platform_cmd import _common, _open, _operator, _require


def cmd_flag(args) -> int:
    from podium.platform import moderation
    from podium.platform.db import transaction

    factory = _open(args)
    actor = _operator(factory)
    with transaction(factory) as session:
        if args.command == "flag":
            flag_id = moderation.flag_model(session, args.repo_id, args.reason, actor, args.evidence)
            print(f"Flagged {args.repo_id} (flag #{flag_id}).")
        else:
            print(f"Resolved {moderation.unflag_model(session, args.repo_id, actor)} flag(s) of {args.repo_id}.")
    return 0


def cmd_pick(args) -> int:
    from podium.platform import picks
    from podium.platform.db import transaction

    factory = _open(args)
    if args.command == "pick" and args.list:
        with factory() as session:
            found = picks.active_picks(session)
        for p in found:
            print(f"⭐ {p.model}  picked by {p.picked_by or '(deleted account)'} on {p.picked_at:%Y-%m-%d}: {p.reason}")
        print(f"{len(found)} maintainer's pick(s).")
        return 0
    _require(args.repo_id, f"the model: podium {args.command} ORG/NAME")
    actor = _operator(factory)
    with transaction(factory) as session:
        if args.command == "pick":
            picks.pick_model(session, args.repo_id, _require(args.reason, "the reason with --reason"), actor)
            print(f"⭐ {args.repo_id} is a maintainer's pick; its pending jobs run first.")
        elif picks.unpick_model(session, args.repo_id, actor):
            print(f"{args.repo_id} is no longer a maintainer's pick.")
        else:
            print(f"{args.repo_id} was not a maintainer's pick.")
    return 0


def cmd_provider(args) -> int:
    from podium.platform import moderation
    from podium.platform.db import transaction

    factory = _open(args)
    actor = _operator(factory)
    with transaction(factory) as session:
        if args.action != "list":
            _require(args.org, f"the organisation: podium provider {args.action} ORG")
            moderation.set_official_provider(session, args.org, args.action == "add", actor)
        orgs = moderation.official_providers(session)
    print("Official providers: " + (", ".join(orgs) or "(none)"))
    return 0


def cmd_delete_model(args) -> int:
    from podium.platform import moderation
    from podium.platform.db import transaction

    factory = _open(args)
    actor = _operator(factory)
    if not args.yes:
        print(f"This deletes every entry, job and result of {args.repo_id}; run again with --yes to confirm.")
        return 1
    with transaction(factory) as session:
        deleted = moderation.delete_model(session, args.repo_id, actor)
    moderation.remove_result_dirs(deleted)
    print(f"Deleted {deleted.models} model revision(s), {deleted.submissions} submission(s) and "
          f"{len(deleted.result_dirs)} result folder(s) of {args.repo_id}.")
    return 0


def cmd_sessions(args) -> int:
    from podium.platform.db import transaction
    from podium.web.auth import session_store

    factory = _open(args)
    actor = _operator(factory)
    with transaction(factory) as session:
        if args.action == "revoke":
            print(f"Ended {session_store.revoke_all(session, args.username, actor)} session(s) of {args.username}.")
            return 0
        rows = session_store.list_live(session, args.username, actor)
    for row in rows:
        print(f"#{row.id}  started {row.created_at:%Y-%m-%d %H:%M} UTC, expires {row.expires_at:%Y-%m-%d %H:%M} UTC")
    print(f"{len(rows)} live session(s) of {args.username}.")
    return 0


def register(subparsers) -> None:
    common = _common()
    p = subparsers.add_parser("flag", parents=[common], help="flag a model on the leaderboard")
    p.add_argument("repo_id")
    p.add_argument("--reason", required=True)
    p.add_argument("--evidence", help="link to the evidence (discussion, paper, ...)")
    p.set_defaults(func=cmd_flag)
    p = subparsers.add_parser("unflag", parents=[common], help="resolve a model's flags")
    p.add_argument("repo_id")
    p.set_defaults(func=cmd_flag)

    p = subparsers.add_parser("pick", parents=[common], help="mark a model as a maintainer's pick (⭐, evaluated "
                              "first), or --list the picks")
    p.add_argument("repo_id", nargs="?")
    p.add_argument("--reason", help="why the model is worth a look (shown on the board)")
    p.add_argument("--list", action="store_true", help="list the active picks")
    p.set_defaults(func=cmd_pick)
    p = subparsers.add_parser("unpick", parents=[common], help="unmark a maintainer's pick (kept in the history)")
    p.add_argument("repo_id")
    p.set_defaults(func=cmd_pick, list=False)

    p = subparsers.add_parser("provider", parents=[common], help="mark organisations as official providers")
    p.add_argument("action", choices=["add", "remove", "list"])
    p.add_argument("org", nargs="?")
    p.set_defaults(func=cmd_provider)

    p = subparsers.add_parser("delete-model", parents=[common], help="delete every entry of a model")
    p.add_argument("repo_id")
    p.add_argument("--yes", action="store_true")
    p.set_defaults(func=cmd_delete_model)

    p = subparsers.add_parser("sessions", parents=[common], help="list or end a user's web sessions (revoke signs "
                              "them out everywhere; their API tokens stay valid)")
    p.add_argument("action", choices=["list", "revoke"])
    p.add_argument("username")
    p.set_defaults(func=cmd_sessions)
