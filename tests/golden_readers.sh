#!/bin/sh
# Golden CLI runs of the readers' bad-input paths (issue 10): exit 2, one line
# on stderr naming the file and field or line, content quoted safely.
. "$(dirname "$0")/lib_golden.sh"

M="--hw h100-sxm --phase decode --batch 1 --ctx 10"
hf() { printf '{"model_type":"%s","num_hidden_layers":2,"hidden_size":64,"num_attention_heads":4,"intermediate_size":128,"vocab_size":1000%s}' "$1" "$2" >"$T/$3"; }
hf llama ',"vocab_size":3e9' dup.json
expect_err "HF duplicate key" "vocab_size' appears twice" $NPUSIM show model "$T/dup.json"
hf llama ',"max_position_embeddings":-4096' neg.json
expect_err "HF negative max_position_embeddings" "max_position_embeddings' is -4096" $NPUSIM run --model "$T/neg.json" $M
hf llama ',"head_dim":1e300' huge.json
expect_err "HF head_dim 1e300" "head_dim' is 1e+300, must be at most" $NPUSIM run --model "$T/huge.json" $M
hf mistral ',"sliding_window":-1' sw.json
expect_err "HF negative sliding_window" "sliding_window" $NPUSIM show model "$T/sw.json"
hf qwen2 ',"use_sliding_window":false,"sliding_window":131072' qw.json
expect_ok "HF Qwen2 window off" $NPUSIM show model "$T/qw.json"
check "Qwen2 use_sliding_window false: no window" "$(json_num "$T/out" sliding_window) == 0"
hf mistral ',"sliding_window":4096' mw.json
expect_ok "HF Mistral window" $NPUSIM show model "$T/mw.json"
check "Mistral sliding_window 4096" "$(json_num "$T/out" sliding_window) == 4096"
mkdir "$T/dir.json"
expect_err "directory as model" "dir.json: is a directory" $NPUSIM show model "$T/dir.json"
expect_err "directory as hw" "dir.json: is a directory" $NPUSIM show hw "$T/dir.json"
printf '{"\001\033[31m": 1}' >"$T/esc.json"
expect_err "raw bytes escaped" 'unknown field .\\x01\\x1b\[31m' $NPUSIM show model "$T/esc.json"
check "no raw escape byte on stderr" "$(tr -d '\n' <"$T/err" | tr -dc '\001-\037' | wc -c) == 0"
head -c 64 /dev/urandom >"$T/rand.bin"; printf '\000' >>"$T/rand.bin"
expect_err "binary file" "rand.bin: binary file" $NPUSIM show hw "$T/rand.bin"
S="serve --model llama3.2-1b --hw h100-sxm"
printf '{"arrival_s":0,"input_tokens":1,"output_tokens":1}\n[1,2,3]\n' >"$T/arr.jsonl"
expect_err "JSONL line not an object" "arr.jsonl line 2: expected a JSON object" $NPUSIM $S --trace "$T/arr.jsonl"
printf 'arrival_s,input_tokens,output_tokens\n0,1e300,1\n' >"$T/big.csv"
expect_err "trace length 1e300" "big.csv line 2: input tokens" $NPUSIM $S --trace "$T/big.csv"
printf 'arrival_s,input_tokens,output_tokens\n0,4294967297,1\n' >"$T/wrap.csv"
expect_err "trace length 2^32+1" "wrap.csv line 2: input tokens" $NPUSIM $S --trace "$T/wrap.csv"
expect_err "length spec 1e300" "uniform needs LO,HI" $NPUSIM serve --model llama3.2-1b --hw h100-sxm --rate 1 --input uniform:1,1e300 --output 8
expect_err "length spec MAX beyond 10M" "lognormal needs" $NPUSIM serve --model llama3.2-1b --hw h100-sxm --rate 1 --input lognormal:100,50,99999999999 --output 8
printf 'hw,workload,watts,ms\nh100-sxm,gemm_bf16_99999999999999999999,600,1\n' >"$T/p.csv"
expect_err "power workload overflow" "p.csv:2: unknown power workload" $NPUSIM validate "$T/p.csv"
printf 'hw,dtype,m,n,k,ms,shape_name\nh100-sxm,bf16,1e300,1,1,0.1,x\n' >"$T/g.csv"
expect_err "validation cell 1e300" "g.csv:2: column 'm'" $NPUSIM validate "$T/g.csv"
expect_ok "shipped validation set" $NPUSIM validate data/validation/h100-sxm
expect_grep "shipped set: overall row" "^overall" "$T/out"
expect_ok "cost --nre-usd -0" $NPUSIM cost --hw h100-sxm --nre-usd -0
if grep -q -- "-0 USD\|: -0\b" "$T/out"; then bad "-0 printed"; else ok; fi
finish "golden (readers)"
