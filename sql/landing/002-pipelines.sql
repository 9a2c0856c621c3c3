-- R1, R2, R3: the funnels the seed names. Edit these rows, not the code.
INSERT INTO pipelines (pipeline_id, name, product_name, default_amount, target_table)
VALUES
	(10350882, 'Express Course', 'Express Course', 5000, 'express_course_sales'),
	(10418746, 'Flagship Course', 'Flagship Course', 490000, 'main_product_sales'),
	(9965766, 'Тестирование КЦ2', 'Тестирование КЦ2', 0, NULL),
	(9777626, 'КЦ', 'КЦ', 0, NULL),
	(9430994, 'ОП', 'ОП', 0, NULL),
	(9820886, 'Однодневник', 'Однодневник', 0, NULL)
ON CONFLICT (pipeline_id) DO NOTHING;
