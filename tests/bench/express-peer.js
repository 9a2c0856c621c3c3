// The second yardstick of make bench-http: the original system's stack,
// nginx + Express + node-postgres, doing what its funnel-sale webhook did
// for a delivery and nothing else: express.urlencoded({ extended: true })
// parses the body (qs), the deal id is leads[status][0][id], one
// INSERT ... ON CONFLICT stores it, a JSON answer goes back. Node's
// cluster runs the workers (one per CPU unless told: the original ran
// one process under PM2), each with its own pg.Pool. Bench only:
// tests/bench/http.sh installs express and pg (pinned by
// tests/bench/express-peer.package-lock.json) into the build directory
// and passes them in NODE_PATH.
//
// usage: node express-peer.js socket [workers]
// PostgreSQL from the libpq variables (PGHOST, PGDATABASE, PGUSER).
'use strict';

const cluster = require('node:cluster');
const fs = require('node:fs');

const SQL = 'INSERT INTO bench_express (deal_id, body) VALUES ($1::bigint, $2)' +
	' ON CONFLICT (deal_id) DO NOTHING';

const sock = process.argv[2];
const workers = Number(process.argv[3] || require('node:os').availableParallelism());
if (!sock || !(workers >= 1)) {
	console.error('usage: node express-peer.js socket [workers]');
	process.exit(2);
}

if (cluster.isPrimary) {
	let listening = 0;
	let stopping = false;
	try {
		fs.unlinkSync(sock);
	} catch (e) {
		// not there: nothing to remove
	}
	// nginx's workers may run as another user than this one.
	process.umask(0);
	for (let i = 0; i < workers; i++)
		cluster.fork();
	cluster.on('listening', () => {
		if (++listening === workers)
			console.log(`express-peer: ${workers} workers on ${sock}`);
	});
	cluster.on('exit', (w, code, signal) => {
		if (!stopping)
			console.error(`express-peer: worker ${w.process.pid} ended (${signal || code})`);
	});
	const stop = () => {
		stopping = true;
		for (const w of Object.values(cluster.workers))
			w.kill('SIGTERM');
		cluster.disconnect(() => process.exit(0));
	};
	process.on('SIGTERM', stop);
	process.on('SIGINT', stop);
} else {
	const express = require('express');
	const { Pool } = require('pg');
	// 4 connections a worker: 8 on 2 CPUs, as many as the C peer's.
	const pool = new Pool({ max: 4 });
	const app = express();

	pool.on('error', (e) => console.error(`express-peer: ${e.message}`));
	app.disable('x-powered-by');
	app.post('/bench/express', express.urlencoded({ extended: true, limit: '10mb' }),
		express.json({ limit: '10mb' }), async (req, res) => {
			const t0 = Date.now();
			const st = req.body && req.body.leads && req.body.leads.status;
			const id = Array.isArray(st) && st[0] && st[0].id;
			if (!id)
				return res.status(400).json({ success: false, error: 'Invalid request body' });
			try {
				await pool.query(SQL, [id, JSON.stringify(req.body)]);
			} catch (e) {
				// The original answered 200 here; 500 so that wrk counts it.
				console.error(`express-peer: could not store deal ${id}: ${e.message}`);
				return res.status(500).json({ success: false, error: e.message });
			}
			res.json({
				success: true, message: 'Funnel sale processed',
				leads_processed: st.length, leads_saved: 1, duration: Date.now() - t0,
			});
		});
	app.listen(sock);
	process.on('SIGTERM', () => pool.end().finally(() => process.exit(0)));
}
