-- Demo data for the local stack (scripts/start). Not a migration: never
-- applied to production. Idempotent.
INSERT INTO landing_leads (id, email, name, phone, source, utm_source, utm_campaign, utm_medium, email_sent, sms_sent, created_at)
VALUES
	('00000000-0000-4000-8000-000000000001', 'aigerim@example.kz', 'Айгерим Сапарова', '+7 (747) 555-00-11', 'proftest_kenesary', 'fb_kenesary', 'tripwire_test_1', 'cpc', true, true, now() - interval '3 days'),
	('00000000-0000-4000-8000-000000000002', 'daniyar@example.kz', 'Данияр Ахметов', '87015550022', 'proftest_arystan', 'fb_arystan', 'arystan_3-1', 'cpc', true, false, now() - interval '2 days'),
	('00000000-0000-4000-8000-000000000003', NULL, 'Мария Ким', '+77775550033', 'expresscourse', 'fb_muha', 'запуск_весна', 'cpc', false, false, now() - interval '1 day'),
	('00000000-0000-4000-8000-000000000004', 'alex@example.com', 'Alex Brown', NULL, 'TF4', 'alex_FB', 'proftest_v2', 'cpc', true, true, now() - interval '5 hours')
ON CONFLICT (id) DO NOTHING;

INSERT INTO express_course_sales (deal_id, pipeline_id, status_id, amount, utm_source, utm_campaign, utm_medium, targetologist, sale_date, raw_data)
VALUES
	(30000001, 10350882, 142, 5000, 'fb_kenesary', 'tripwire_test_1', 'cpc', 'Kenesary', now() - interval '2 days', '{"demo": true}'),
	(30000002, 10350882, 142, 5000, 'fb_arystan', 'arystan_3-1', 'cpc', 'Arystan', now() - interval '1 day', '{"demo": true}')
ON CONFLICT (deal_id) DO NOTHING;

INSERT INTO main_product_sales (deal_id, pipeline_id, status_id, amount, utm_source, utm_campaign, utm_medium, targetologist, sale_date, raw_data)
VALUES
	(30000101, 10418746, 142, 490000, 'fb_muha', 'onai_zapusk', 'cpc', 'Muha', now() - interval '6 hours', '{"demo": true}')
ON CONFLICT (deal_id) DO NOTHING;

-- 300 landing leads for the sync and the push (README, "Landing leads").
-- Phones come in every format people type; one in three belongs to a
-- contact of the amoCRM stand-in's demo leads (scripts/start generates
-- them: +7 (700) 000-NNNN, userN@example.kz), written another way, or
-- its e-mail in capitals. E-mail and SMS states vary for the stats.
INSERT INTO landing_leads (id, name, email, phone, source, utm_source, utm_campaign, utm_medium,
	email_sent, email_sent_at, email_opened_at, email_clicked, email_error,
	sms_sent, sms_sent_at, sms_clicked, sms_error, created_at)
SELECT md5('amosync-demo-landing-' || i)::uuid,
	(ARRAY['Айгерим', 'Данияр', 'Мария', 'Ерлан', 'Алия', 'Тимур'])[1 + i % 6] || ' ' || i,
	CASE WHEN i % 9 = 0 THEN '  USER' || i || '@Example.KZ ' WHEN i % 4 = 0 THEN NULL
	     ELSE 'lead' || i || '@mail.kz' END,
	CASE WHEN i % 9 = 3 THEN '8 (700) 000-' || lpad(i::text, 4, '0')
	     WHEN i % 9 = 6 THEN '700000' || lpad(i::text, 4, '0')
	     WHEN i % 5 = 0 THEN '+7 (701) ' || lpad((5550000 + i)::text, 7, '0')
	     WHEN i % 5 = 1 THEN '8701' || lpad((5550000 + i)::text, 7, '0')
	     WHEN i % 5 = 2 THEN '701 ' || lpad((5550000 + i)::text, 7, '0')
	     ELSE '+7 701 ' || substr(lpad((5550000 + i)::text, 7, '0'), 1, 3) || '-'
	          || substr(lpad((5550000 + i)::text, 7, '0'), 4, 2) || '-'
	          || substr(lpad((5550000 + i)::text, 7, '0'), 6, 2) END,
	(ARRAY['proftest_kenesary', 'expresscourse', 'proftest_arystan', 'proftest_muha', 'TF4'])[1 + i % 5],
	(ARRAY['fb_kenesary', 'fb_arystan', 'fb_muha', 'alex_FB', 'ig'])[1 + i % 5],
	(ARRAY['tripwire_test_1', 'arystan_3-1', 'запуск_весна', 'proftest_v2'])[1 + i % 4],
	'cpc',
	i % 4 <> 0, CASE WHEN i % 4 <> 0 THEN now() - make_interval(hours => i) END,
	CASE WHEN i % 3 = 0 AND i % 4 <> 0 THEN now() - make_interval(hours => i) END,
	i % 12 = 1, CASE WHEN i % 17 = 0 THEN 'mailbox unavailable' END,
	i % 2 = 0, CASE WHEN i % 2 = 0 THEN now() - make_interval(hours => i) END,
	i % 10 = 0, CASE WHEN i % 23 = 0 THEN 'number unreachable' END,
	now() - make_interval(hours => i)
FROM generate_series(1, 300) AS i
ON CONFLICT (id) DO NOTHING;
