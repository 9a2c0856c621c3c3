-- Demo data for the local stack (scripts/start). Not a migration. Idempotent.
INSERT INTO all_sales_tracking (lead_id, lead_name, contact_name, contact_phone, contact_email, sale_amount, product_name, utm_source, utm_medium, utm_campaign, targetologist, pipeline_id, status_id, sale_date)
VALUES
	('30000001', 'Сделка #30000001', 'Айгерим Сапарова', '77475550011', 'aigerim@example.kz', 5000, 'Express Course', 'fb_kenesary', 'cpc', 'tripwire_test_1', 'Kenesary', '10350882', '142', now() - interval '2 days'),
	('30000002', 'Сделка #30000002', 'Данияр Ахметов', '77015550022', 'daniyar@example.kz', 5000, 'Express Course', 'fb_arystan', 'cpc', 'arystan_3-1', 'Arystan', '10350882', '142', now() - interval '1 day'),
	('30000101', 'Сделка #30000101', 'Мария Ким', '77775550033', NULL, 490000, 'Flagship Course', 'fb_muha', 'cpc', 'onai_zapusk', 'Muha', '10418746', '142', now() - interval '6 hours'),
	('30000201', 'Сделка #30000201', 'Без UTM', NULL, NULL, 15000, 'ОП', NULL, NULL, NULL, NULL, '9430994', '142', now() - interval '3 hours')
ON CONFLICT (lead_id) DO NOTHING;
