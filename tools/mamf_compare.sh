#!/bin/sh
# Maximum achievable matmul throughput (stas00/ml-engineering MAMF table, rows of
# ../shared/data/published_benchmarks.csv): npusim op gemm, best of a few large
# shapes, vs the published sustained TFLOP/s. Usage: sh tools/mamf_compare.sh
for spec in "h100-sxm bf16 794.5" "a100-sxm-80gb bf16 271.2" "b200 bf16 1745" "mi300x bf16 668.4" "mi325x bf16 784.9" "gaudi3 bf16 1243" "h100-sxm fp8 1402.6" "h200-sxm fp8 1453.4" "b200 fp8 3432.5"; do
 set -- $spec; best=0
 for s in "4096 4096 4096" "8192 8192 8192" "16384 8192 8192" "8192 16384 8192" "16384 16384 16384" "4096 16384 8192"; do
   set -- $spec; m=$(echo $s|cut -d' ' -f1); n=$(echo $s|cut -d' ' -f2); k=$(echo $s|cut -d' ' -f3)
   t=$(./build/npusim op gemm --hw $1 --m $m --n $n --k $k --dtype $2 --json | sed -n 's/.*"achieved_tflops":[[:space:]]*\([0-9.]*\).*/\1/p')
   best=$(awk -v a=$best -v b=$t 'BEGIN{print (b>a)?b:a}')
 done
 set -- $spec
 awk -v h=$1 -v d=$2 -v p=$best -v m=$3 'BEGIN{printf "%-14s %s pred %7.1f meas %7.1f err %+.1f%%\n",h,d,p,m,100*(p-m)/m}'
done
