"""`yidu serve`: the search site and API."""
from __future__ import annotations

from yidu.services import Services


def register(subparsers) -> None:
    p = subparsers.add_parser("serve", help="serve the search site and API")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8080)
    p.add_argument("--workers", type=int, default=1)
    p.set_defaults(func=cmd_serve)


def cmd_serve(args, settings) -> int:
    import uvicorn

    from api.app import create_app
    from yidu import textzh

    textzh.warm_up()  # load dictionaries before the first reader waits for them
    app = create_app(Services(settings, progress=False))
    print(f"serving on http://{args.host}:{args.port}/ (API: /api/v1/search)", flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level="info", access_log=False)
    return 0
