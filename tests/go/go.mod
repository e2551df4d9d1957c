module pgotool.test/progs

go 1.21
