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
